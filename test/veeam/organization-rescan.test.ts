import { VeeamApiError } from '../../lib/veeam/errors';
import { destroyAgents } from '../../lib/veeam/tls';
import { startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';
import { clientFor } from './veeam-test-client';

/** POST /api/v1/organizations/amazon/rescan as the 1.7-rev0 reference documents it, and the simulator as strict. */
let sim: VeeamSimulator;
afterEach(() => sim.stop());
afterAll(() => destroyAgents());

const rescanRole = () => sim.state.addEntry({ name: 'org-rescan', accountId: '111111111111', roleName: 'Rescan' }).id;

async function raw(versions: string[], body: unknown): Promise<number> {
  const { client } = clientFor(sim, { versions });
  await client.login();
  // The client's own method sends the documented body; these cases send what it never would.
  const res = await fetchStatus(client, body);
  return res;
}

async function fetchStatus(client: ReturnType<typeof clientFor>['client'], body: unknown): Promise<number> {
  try {
    await client.rescanOrganization(
      (body as { rescanIamRoleId: string }).rescanIamRoleId,
      (body as { rescanStorageType: 'Database' }).rescanStorageType,
    );
    return 202;
  } catch (err) {
    if (err instanceof VeeamApiError) return err.status;
    throw err;
  }
}

describe('organization rescan', () => {
  it('accepts the documented body with 202 and records which entry and storage type', async () => {
    sim = await startVeeamSimulator();
    const id = rescanRole();
    const { client } = clientFor(sim);
    await client.rescanOrganization(id);
    expect(sim.state.organizationRescans).toEqual([
      expect.objectContaining({ rescanIamRoleId: id, rescanStorageType: 'Database' }),
    ]);
  });

  it('an unknown rescanStorageType is 400; an unknown role entry is 404', async () => {
    sim = await startVeeamSimulator();
    const id = rescanRole();
    expect(await raw(['1.9-rev0'], { rescanIamRoleId: id, rescanStorageType: 'Disk' })).toBe(400);
    expect(
      await raw(['1.9-rev0'], {
        rescanIamRoleId: '00000000-0000-4000-8000-000000000000',
        rescanStorageType: 'Database',
      }),
    ).toBe(404);
    expect(sim.state.organizationRescans).toEqual([]);
  });

  it('a revision below 1.7-rev0 has no organizations collection: 404', async () => {
    sim = await startVeeamSimulator({ supportedVersions: ['1.6-rev0'] });
    const id = rescanRole();
    expect(await raw(['1.6-rev0'], { rescanIamRoleId: id, rescanStorageType: 'Database' })).toBe(404);
  });

  it('GET /system/version is read once per client', async () => {
    sim = await startVeeamSimulator();
    sim.state.productVersion = '10.0.0.232';
    const { client } = clientFor(sim);
    expect(await client.systemVersion()).toBe('10.0.0.232');
    expect(await client.systemVersion()).toBe('10.0.0.232');
    expect(sim.state.count('GET /api/v1/system/version')).toBe(1);
  });

  it('policy collections the revision lacks answer 404 and are reported as not-found, not empty', async () => {
    sim = await startVeeamSimulator();
    const { client } = clientFor(sim);
    expect(await client.listCollection('/api/v1/policies')).toBe('not-found');
    expect(await client.listCollection('/api/v1/redshiftServerless/policies')).toBe('not-found');
    expect(await client.listCollection('/api/v1/rds/policies')).toEqual([]);
  });
});
