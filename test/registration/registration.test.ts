import { externalIdFingerprint } from '../../lib/external-id';
import type { VeeamClient } from '../../lib/veeam/client';
import {
  entryDescription,
  entryName,
  entryOwner,
  ensureRegistration,
  parseEntryDescription,
  unregister,
} from '../../lib/registration';
import { destroyAgents } from '../../lib/veeam/tls';
import { startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';
import { clientFor } from '../veeam/veeam-test-client';

const ACCOUNT = '210987654321';
const desired = {
  accountId: ACCOUNT,
  blueprintKey: 'backup',
  roleName: 'VeeamBackupRole',
  installationId: 'team-a',
  externalId: 'Ext1dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
};

let sim: VeeamSimulator;
let veeam: VeeamClient;
const listed = () => veeam.listEntries({ searchPattern: `${ACCOUNT}-*` });

beforeEach(async () => {
  sim = await startVeeamSimulator();
  veeam = clientFor(sim).client;
});
afterEach(() => sim.stop());
afterAll(() => destroyAgents());

describe('names and ownership marker', () => {
  it('names entries deterministically and marks them without revealing the external ID', () => {
    expect(entryName(ACCOUNT, 'backup')).toBe('210987654321-backup');
    const d = entryDescription('VeeamBackupRole', desired.externalId);
    expect(d).not.toContain(desired.externalId);
    expect(parseEntryDescription(d)).toEqual({
      owned: true,
      roleName: 'VeeamBackupRole',
      externalIdFp: externalIdFingerprint(desired.externalId),
    });
    expect(parseEntryDescription('Added by hand for the DBA team')).toEqual({ owned: false });
    expect(parseEntryDescription(null)).toEqual({ owned: false });
  });

  it('names the installation that wrote the marker', () => {
    const d = entryDescription('VeeamBackupRole', desired.externalId, new Date('2026-11-01'), 'team-a');
    expect(d).toMatch(/^Managed by veeam-org-sync\. installation=team-a role=VeeamBackupRole /);
    expect(parseEntryDescription(d)).toMatchObject({ owned: true, installationId: 'team-a' });
    expect(entryOwner({ description: d }, 'team-a')).toEqual({ kind: 'ours' });
    expect(entryOwner({ description: d }, 'team-b')).toEqual({ kind: 'other', installationId: 'team-a' });
    expect(entryOwner({ description: entryDescription('R', 'x') }, 'team-b')).toEqual({ kind: 'legacy' });
    expect(entryOwner({ description: 'hand made' }, 'team-b')).toEqual({ kind: 'none' });
  });
});

describe('ownership per installation', () => {
  it("never touches another installation's entry of the same name: a conflict naming its owner", async () => {
    const theirs = sim.state.addEntry({
      name: entryName(ACCOUNT, 'backup'),
      description: entryDescription('VeeamBackupRole', 'TheirId', undefined, 'team-b'),
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
      externalId: 'TheirId',
    });
    const before = { ...theirs };
    const r = await ensureRegistration(veeam, desired, await listed(), { dryRun: false });
    expect(r.status).toBe('conflict');
    expect(r.changes.join(' ')).toMatch(/owned by installation team-b/);
    expect(sim.state.entries.get(theirs.id)).toEqual(before);
    const u = await unregister(veeam, r.entry!, { dryRun: false, installationId: 'team-a' });
    expect(u).toMatchObject({ status: 'not-owned', reasons: [expect.stringMatching(/owned by installation team-b/)] });
    expect(sim.state.entries.has(theirs.id)).toBe(true);
  });

  it('adopts an entry written before installation ids (stamps our id) but never unregisters one', async () => {
    const legacy = sim.state.addEntry({
      name: entryName(ACCOUNT, 'backup'),
      description: entryDescription('VeeamBackupRole', desired.externalId),
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
      externalId: desired.externalId,
    });
    expect(await unregister(veeam, (await listed())[0]!, { dryRun: false, installationId: 'team-a' })).toMatchObject({
      status: 'not-owned',
      reasons: [expect.stringMatching(/before installation ids/)],
    });
    const r = await ensureRegistration(veeam, desired, await listed(), { dryRun: false });
    expect(r).toMatchObject({ status: 'updated', changes: ['marker stamped with installation team-a (adopted)'] });
    expect(parseEntryDescription(sim.state.entries.get(legacy.id)!.description).installationId).toBe('team-a');
    expect(sim.state.entries.get(legacy.id)!.externalId).toBe(desired.externalId);
  });
});

describe('ensureRegistration', () => {
  it('creates a missing entry with the external ID, then makes zero writes on the next run', async () => {
    const first = await ensureRegistration(veeam, desired, await listed(), { dryRun: false });
    expect(first.status).toBe('created');
    const stored = sim.state.findByName('210987654321-backup');
    expect(stored).toMatchObject({ accountId: ACCOUNT, roleName: 'VeeamBackupRole', externalId: desired.externalId });
    expect(first.changes.join(' ')).not.toContain(desired.externalId);

    const writes = sim.state.writes();
    const second = await ensureRegistration(veeam, desired, await listed(), { dryRun: false });
    expect(second).toEqual({ status: 'ok', entry: expect.objectContaining({ id: stored!.id }), changes: [] });
    expect(sim.state.writes()).toBe(writes);
  });

  it('pushes a changed external ID with PUT (fingerprint drift)', async () => {
    await ensureRegistration(veeam, desired, [], { dryRun: false });
    const rotated = { ...desired, externalId: 'Ext1dBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
    const r = await ensureRegistration(veeam, rotated, await listed(), { dryRun: false });
    expect(r.status).toBe('updated');
    expect(r.changes.join(' ')).toContain(externalIdFingerprint(rotated.externalId));
    expect(sim.state.findByName('210987654321-backup')?.externalId).toBe(rotated.externalId);
    expect(sim.state.count('PUT /api/v1/accounts/amazon/{id}')).toBe(1);
  });

  it('repairs an entry edited in the console (description and role) and keeps its id', async () => {
    const created = await ensureRegistration(veeam, desired, [], { dryRun: false });
    const e = sim.state.entries.get(created.entry!.id)!;
    e.description = `${e.description ?? ''} edited by someone`;
    e.roleName = 'SomethingElse';
    const r = await ensureRegistration(veeam, desired, await listed(), { dryRun: false });
    expect(r.status).toBe('updated');
    expect(r.changes).toEqual(
      expect.arrayContaining(['description restored', 'role SomethingElse -> VeeamBackupRole']),
    );
    expect(sim.state.entries.get(created.entry!.id)).toMatchObject({
      description: entryDescription(desired.roleName, desired.externalId, undefined, desired.installationId),
      roleName: 'VeeamBackupRole',
    });
  });

  it('in a dry run reports what it would do and writes nothing', async () => {
    const r = await ensureRegistration(veeam, desired, await listed(), { dryRun: true });
    expect(r.status).toBe('created');
    expect(sim.state.writes()).toBe(0);
    expect(sim.state.entries.size).toBe(0);
  });

  it('reports an entry with our name but without our marker as a conflict and leaves it alone', async () => {
    sim.state.addEntry({
      name: '210987654321-backup',
      description: 'Added by hand',
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
      externalId: 'theirs',
    });
    const r = await ensureRegistration(veeam, desired, await listed(), { dryRun: false });
    expect(r.status).toBe('conflict');
    expect(r.changes[0]).toMatch(/not created by veeam-org-sync/);
    expect(sim.state.writes()).toBe(0);
    expect(sim.state.findByName('210987654321-backup')).toMatchObject({
      description: 'Added by hand',
      externalId: 'theirs',
    });
  });

  it('reports a foreign entry for the same account and role as a conflict instead of adding a second one', async () => {
    sim.state.addEntry({
      name: 'prod-account-backup',
      description: null,
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
    });
    const r = await ensureRegistration(veeam, desired, await veeam.listEntries(), { dryRun: false });
    expect(r).toMatchObject({ status: 'conflict', entry: { name: 'prod-account-backup' } });
    expect(sim.state.writes()).toBe(0);
  });

  it('treats names case-insensitively, as the appliance does', async () => {
    sim.state.addEntry({
      name: '210987654321-BACKUP',
      description: 'someone else',
      accountId: ACCOUNT,
      roleName: 'OtherRole',
    });
    await expect(
      ensureRegistration(veeam, desired, await veeam.listEntries(), { dryRun: false }),
    ).resolves.toMatchObject({ status: 'conflict' });
    expect(sim.state.writes()).toBe(0);
  });

  it('renames our entry for the same account and role back to the deterministic name', async () => {
    const ours = sim.state.addEntry({
      name: 'renamed-in-console',
      description: entryDescription('VeeamBackupRole', desired.externalId, undefined, desired.installationId),
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
      externalId: desired.externalId,
    });
    const r = await ensureRegistration(veeam, desired, await veeam.listEntries(), { dryRun: false });
    expect(r).toMatchObject({
      status: 'updated',
      changes: ['rename entry "renamed-in-console" to "210987654321-backup"'],
    });
    expect(sim.state.entries.get(ours.id)?.name).toBe('210987654321-backup');
  });

  it('converges after losing a create race (duplicate name answered with 400)', async () => {
    // Another worker registered the entry with an older external ID after we listed.
    const stale: never[] = [];
    sim.state.addEntry({
      name: '210987654321-backup',
      description: entryDescription('VeeamBackupRole', 'OldExternalId', undefined, desired.installationId),
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
      externalId: 'OldExternalId',
    });
    const r = await ensureRegistration(veeam, desired, stale, { dryRun: false });
    expect(r.status).toBe('updated');
    expect(sim.state.entries.size).toBe(1);
    expect(sim.state.findByName('210987654321-backup')?.externalId).toBe(desired.externalId);
    expect(sim.state.count('POST /api/v1/accounts/amazon')).toBe(1);
  });

  it('reports ok after a lost race when the winner wrote the same state', async () => {
    sim.state.addEntry({
      name: '210987654321-backup',
      description: entryDescription('VeeamBackupRole', desired.externalId, undefined, desired.installationId),
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
      externalId: desired.externalId,
    });
    await expect(ensureRegistration(veeam, desired, [], { dryRun: false })).resolves.toMatchObject({ status: 'ok' });
    expect(sim.state.count('PUT /api/v1/accounts/amazon/{id}')).toBe(0);
  });
});

describe('unregister', () => {
  it('removes an entry we own', async () => {
    const { entry } = await ensureRegistration(veeam, desired, [], { dryRun: false });
    await expect(unregister(veeam, entry!, { dryRun: false, installationId: 'team-a' })).resolves.toEqual({
      status: 'removed',
    });
    expect(sim.state.entries.size).toBe(0);
  });

  it('keeps an entry that Veeam says is still used by a policy, and says why', async () => {
    const { entry } = await ensureRegistration(veeam, desired, [], { dryRun: false });
    sim.state.entries.get(entry!.id)!.usedByPolicy = 'Daily EC2';
    const r = await unregister(veeam, entry!, { dryRun: false, installationId: 'team-a' });
    expect(r).toEqual({ status: 'refused', reasons: [expect.stringContaining('Daily EC2')] });
    expect(sim.state.entries.has(entry!.id)).toBe(true);
    expect(sim.state.count('DELETE /api/v1/accounts/amazon/{id}')).toBe(0);
  });

  it('treats an entry that is already gone as done', async () => {
    const { entry } = await ensureRegistration(veeam, desired, [], { dryRun: false });
    sim.state.entries.delete(entry!.id);
    await expect(unregister(veeam, entry!, { dryRun: false, installationId: 'team-a' })).resolves.toEqual({
      status: 'already-gone',
    });
  });

  it('never touches an entry it does not own', async () => {
    const foreign = sim.state.addEntry({
      name: 'hand-made',
      description: 'ops team',
      accountId: ACCOUNT,
      roleName: 'VeeamBackupRole',
    });
    const r = await unregister(
      veeam,
      {
        id: foreign.id,
        name: foreign.name,
        description: foreign.description,
        accountId: ACCOUNT,
        roleName: 'VeeamBackupRole',
      },
      { dryRun: false, installationId: 'team-a' },
    );
    expect(r.status).toBe('not-owned');
    expect(sim.state.entries.has(foreign.id)).toBe(true);
    expect(sim.state.counters.requests).toBe(0);
  });

  it('in a dry run checks but does not delete', async () => {
    const { entry } = await ensureRegistration(veeam, desired, [], { dryRun: false });
    await expect(unregister(veeam, entry!, { dryRun: true, installationId: 'team-a' })).resolves.toEqual({
      status: 'removed',
    });
    expect(sim.state.entries.has(entry!.id)).toBe(true);
  });
});
