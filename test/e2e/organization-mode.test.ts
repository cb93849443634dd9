import path from 'node:path';
import { runCli } from '../../bin/cli';
import { DynamoDbStateStore } from '../../lib/state/dynamodb-store';
import { convergeAccount } from '../../lib/account/converge-account';
import { depsFor } from '../support/account-harness';
import { APPLIANCE_ROLE_ARN, MANAGEMENT_ACCOUNT, STATE_TABLE, startWorld, type World } from '../../sim/world';
import { addAccount } from '../support/account-harness';
import { capturedCli } from '../support/cli-io';

const A = '222233334444';
const B = '555566667777';
const NEW = '444455556666'; // the account of create-account-result-succeeded.json
const RESCAN_ROLE = 'VeeamOrganizationRescan';
const RESCAN_ROLE_ARN = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/${RESCAN_ROLE}`;

const cli = capturedCli;

describe('organizations mode, in-process CLI against the simulators', () => {
  let world: World;
  let rescanEntryId: string;

  beforeAll(async () => {
    world = await startWorld({
      env: { VEEAM_MODE: 'organization', VEEAM_RESCAN_ROLE_ARN: RESCAN_ROLE_ARN },
    });
    const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
    for (const id of [A, B]) addAccount(world, id, ou);
    // What the operator does once in the console: the rescan role as an entry, then the organization with it.
    rescanEntryId = world.veeam.state.addEntry({
      name: 'organization-rescan',
      accountId: MANAGEMENT_ACCOUNT,
      roleName: RESCAN_ROLE,
    }).id;
  });
  afterAll(() => world.stop());

  const rescans = () => world.veeam.state.organizationRescans;
  const perAccountEntries = () => world.veeam.state.list().filter((e) => e.id !== rescanEntryId);

  it('reconcile creates the roles in every account (trusted by the appliance role, no external ID), adds no entry, starts one rescan', async () => {
    const c = cli();
    expect(await runCli(['reconcile', '--json'], c.io)).toBe(0);
    for (const id of [A, B]) {
      for (const role of ['VeeamBackupRole', 'VeeamWorkerRole']) {
        expect(world.iam.role(id, role)).toBeDefined();
        // The organization settings carry no external ID: the appliance assumes the role without one.
        expect(world.iam.canAssume(id, role, APPLIANCE_ROLE_ARN)).toBe(true);
        expect(world.iam.canAssume(id, role, 'arn:aws:iam::999999999999:role/Other')).toBe(false);
      }
      expect(world.iam.canAssume(id, 'VeeamWorkerRole', 'ec2.amazonaws.com')).toBe(true);
    }
    expect(perAccountEntries()).toEqual([]);
    expect(rescans()).toEqual([
      expect.objectContaining({ rescanIamRoleId: rescanEntryId, rescanStorageType: 'Database' }),
    ]);
    const report = (c.doc().report as { accounts: Array<{ accountId: string; roles: Array<{ veeam: string }> }> })
      .accounts;
    for (const id of [A, B])
      expect(report.find((a) => a.accountId === id)?.roles.map((r) => r.veeam)).toEqual(['ok', 'ok']);
    // Each account was announced protected once the rescan was accepted.
    const announced = world.eventBus.events.filter((e) => e.detailType === 'Account Protected');
    expect(announced.map((e) => (e.detail as { accountId: string }).accountId).sort()).toEqual([A, B]);
  });

  it('a second reconcile with nothing new writes nothing and starts no rescan', async () => {
    const iamWrites = world.iam.writes().length;
    const c = cli();
    expect(await runCli(['reconcile'], c.io)).toBe(0);
    expect(world.iam.writes().length).toBe(iamWrites);
    expect(rescans()).toHaveLength(1);
  });

  it('an event for a new account creates its roles and starts exactly one rescan', async () => {
    const ou = world.org.createOu(undefined, 'ou-ab12-33333333');
    world.org.createAccount({ id: NEW, name: 'app-prod', parentId: ou });
    world.iam.addAccount(NEW);
    const requestsBefore = world.veeam.state.counters.requests;
    const c = cli();
    const file = path.join(__dirname, '../fixtures/create-account-result-succeeded.json');
    expect(await runCli(['event', file], c.io)).toBe(0);
    expect(world.iam.canAssume(NEW, 'VeeamBackupRole', APPLIANCE_ROLE_ARN)).toBe(true);
    expect(rescans()).toHaveLength(2);
    expect(rescans()[1]?.rescanIamRoleId).toBe(rescanEntryId);
    expect(perAccountEntries()).toEqual([]);
    // Login, version, the entry listing that finds the rescan role, the rescan: at most 4 for a new account.
    expect(world.veeam.state.counters.requests - requestsBefore).toBeLessThanOrEqual(4);
    // The same event again: converged, nothing marked, no rescan.
    expect(await runCli(['event', file], cli().io)).toBe(0);
    expect(rescans()).toHaveLength(2);
  });

  it('marks that survive a crash between marking and POSTing are rescanned by the next run', async () => {
    // A worker marked an account and died before POSTing (the state item as it left it).
    const marked = new Date(world.clock.now() - 1000).toISOString();
    const store = new DynamoDbStateStore(STATE_TABLE);
    const item = await store.get<{ pending: Record<string, unknown> }>('rescan#organization');
    expect(item?.value.pending).toEqual({});
    expect(
      await store.put('rescan#organization', { ...item!.value, pending: { [A]: { at: marked } } }, item!.version),
    ).toBe(true);
    expect(await runCli(['reconcile'], cli().io)).toBe(0);
    expect(rescans()).toHaveLength(3);
    expect(await runCli(['reconcile'], cli().io)).toBe(0);
    expect(rescans()).toHaveLength(3);
  });

  it('accounts converged at once by separate workers share rescans, and each is announced protected', async () => {
    const ids = ['600000000001', '600000000002', '600000000003', '600000000004', '600000000005'];
    const ou = world.org.createOu(undefined, 'ou-ab12-44444444');
    for (const id of ids) {
      world.org.createAccount({ id, name: `burst-${id}`, parentId: ou });
      world.iam.addAccount(id);
    }
    const before = rescans().length;
    // One Deps per worker (a container each), one state table.
    const reports = await Promise.all(
      ids.map((id) => convergeAccount(depsFor(), id, { dryRun: false, reason: 'CreateAccountResult' })),
    );
    expect(reports.map((r) => r.action)).toEqual(ids.map(() => 'create'));
    const started = rescans().length - before;
    expect(started).toBeGreaterThanOrEqual(1);
    expect(started).toBeLessThan(ids.length);
    // Whatever a worker left marked (it stopped waiting for another's rescan), the next run sweeps.
    expect(await runCli(['reconcile'], cli().io)).toBe(0);
    const announced = world.eventBus.events
      .filter((e) => e.detailType === 'Account Protected')
      .map((e) => e.detail.accountId as string);
    // Once each: put by the writer whose rescan covered the account.
    expect(announced.filter((id) => ids.includes(id)).sort()).toEqual(ids);
    const store = new DynamoDbStateStore(STATE_TABLE);
    expect((await store.get<{ pending: Record<string, unknown> }>('rescan#organization'))?.value.pending).toEqual({});
  });

  it('status says no per-account entries and no external-ID rotation in this mode', async () => {
    const c = cli();
    expect(await runCli(['status', '--json'], c.io)).toBe(0);
    const d = c.doc() as { veeamMode?: string; note?: string };
    expect(d.veeamMode).toBe('organization');
    expect(d.note).toMatch(/no per-account IAM-role entries and no external-ID rotation/);
  });
});
