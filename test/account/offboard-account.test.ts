import { loadConfig, type OffboardMode } from '../../lib/config';
import { convergeAccount } from '../../lib/account/converge-account';
import type { Deps } from '../../lib/deps';
import { StsMemberAccess } from '../../lib/member/member-access';
import { offboardAccount } from '../../lib/account/offboard-account';
import { entryDescription } from '../../lib/registration';
import { MANAGED_TAG } from '../../lib/roles/tags';
import type { AccountReport } from '../../lib/account/account-report';
import { APPLIANCE_ROLE_ARN, startWorld, type World } from '../../sim/world';
import { depsFor, invariantHolds, ownedEntries, protect, trustedIds, watchInvariant } from '../support/account-harness';

const ROLES = ['VeeamBackupRole', 'VeeamWorkerRole'] as const;
const IN = 'ou-ab12-11111111';
const OUT = 'ou-ab12-22222222';

let world: World;
const deps: Partial<Record<OffboardMode, Deps>> = {};
// What each mode removes is the subject here: a budget as large as the file needs (the budget has its own tests).
const depsOf = (mode: OffboardMode): Deps =>
  (deps[mode] ??= depsFor({ config: { ...loadConfig(process.env), offboardMode: mode, offboardMaxPerRun: 1000 } }));
let seq = 0;

async function protectedAccount(): Promise<string> {
  const id = String(700000000000 + ++seq);
  world.org.createAccount({ id, name: `acct-${id}`, parentId: IN });
  world.iam.addAccount(id);
  await protect(depsOf('unregister'), id);
  expect(ownedEntries(world, id)).toHaveLength(2);
  return id;
}

/** A hand-made entry for the same account (another role), not ours: offboarding must never touch it. */
function foreignEntry(accountId: string) {
  return world.veeam.state.addEntry({
    name: `${accountId}-hand-made`,
    accountId,
    roleName: 'TeamBackupRole',
    externalId: 'their-own-external-id',
    description: 'created by the backup team',
  });
}

const sync = (mode: OffboardMode, id: string) => convergeAccount(depsOf(mode), id, { dryRun: false, reason: 'test' });
const role = (r: AccountReport, name: string) => r.roles.find((x) => x.roleName === name)!;
const isProtected = (id: string) =>
  ownedEntries(world, id).length === 2 &&
  invariantHolds(world, id).length === 0 &&
  ROLES.every((r) => trustedIds(world, id, r).length === 1);

beforeAll(async () => {
  world = await startWorld({
    scopeOuIds: (org) => {
      org.createOu(org.rootId, IN);
      org.createOu(org.rootId, OUT);
      return [IN];
    },
  });
});
afterAll(() => world.stop());

/** Member access without the credentials cached by earlier tests: the next run really calls AssumeRole. */
function freshMember(mode: OffboardMode): Deps {
  const cfg = { ...loadConfig(process.env), offboardMode: mode, offboardMaxPerRun: 1000 };
  return depsFor({
    config: cfg,
    member: new StsMemberAccess({ config: cfg, accessDeniedBudgetMs: 0, sleep: () => Promise.resolve() }),
  });
}

describe('OFFBOARD_MODE when an account moves out of the scoped OUs', () => {
  it('retain: nothing is removed on either side, and the account is reported as offboarded (retained)', async () => {
    const id = await protectedAccount();
    world.org.moveAccount(id, OUT);
    const before = { iam: world.iam.writes(id).length, veeam: world.veeam.state.writes() };
    const r = await sync('retain', id);
    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    expect(r.scopeReason).toMatch(/SCOPE_OU_IDS|scope/i);
    for (const name of ROLES) expect(role(r, name).changes.join(' ')).toMatch(/retained/);
    expect({ iam: world.iam.writes(id).length, veeam: world.veeam.state.writes() }).toEqual(before);
    expect(ownedEntries(world, id)).toHaveLength(2);
    expect(isProtected(id)).toBe(true);
  });

  it('unregister: our Veeam entries are removed, the roles are kept unchanged, foreign entries untouched', async () => {
    const id = await protectedAccount();
    const foreign = foreignEntry(id);
    const trusts = ROLES.map((n) => world.iam.role(id, n)!.trust);
    world.org.moveAccount(id, OUT);
    const iamBefore = world.iam.writes(id).length;
    const r = await sync('unregister', id);
    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    for (const name of ROLES) expect(role(r, name).veeam).toBe('removed');
    expect(ownedEntries(world, id)).toEqual([]);
    expect(world.veeam.state.entries.get(foreign.id)).toEqual(foreign);
    expect(world.iam.writes(id)).toHaveLength(iamBefore);
    expect(ROLES.map((n) => world.iam.role(id, n)?.trust)).toEqual(trusts);
  });

  it('delete: entries removed first, then our roles and instance profile in the order IAM requires', async () => {
    const id = await protectedAccount();
    const foreign = foreignEntry(id);
    world.org.moveAccount(id, OUT);
    const watch = watchInvariant(world, () => [id]);
    const iamMark = world.iam.calls.length;
    const r = await sync('delete', id);
    watch.stop();

    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    for (const name of ROLES) expect(role(r, name)).toMatchObject({ veeam: 'removed', role: 'removed' });
    expect(ownedEntries(world, id)).toEqual([]);
    expect(world.veeam.state.entries.get(foreign.id)).toEqual(foreign);
    for (const name of ROLES) expect(world.iam.role(id, name)).toBeUndefined();
    expect(world.iam.account(id).instanceProfiles.size).toBe(0);
    // The member role the service uses to get in is not ours: kept.
    expect(world.iam.role(id, 'OrganizationAccountAccessRole')).toBeDefined();

    // Veeam first (the appliance never holds a role that no longer exists), then IAM.
    const kinds = watch.writes.map((w) => w.kind);
    expect(kinds.lastIndexOf('veeam')).toBeLessThan(kinds.indexOf('iam'));
    expect(watch.writes.filter((w) => w.kind === 'veeam').map((w) => (w.kind === 'veeam' ? w.method : ''))).toEqual([
      'DELETE',
      'DELETE',
    ]);
    const iamWrites = world.iam.calls.slice(iamMark).filter((c) => c.write && c.accountId === id);
    expect(iamWrites.every((c) => !c.error)).toBe(true);
    const workerOps = iamWrites
      .filter((c) => c.input.RoleName === 'VeeamWorkerRole' || c.input.InstanceProfileName === 'VeeamWorkerRole')
      .map((c) => c.command);
    expect(workerOps[0]).toBe('RemoveRoleFromInstanceProfile');
    expect(workerOps.indexOf('DeleteInstanceProfile')).toBeGreaterThan(0);
    expect(workerOps.at(-1)).toBe('DeleteRole');
    expect(workerOps.filter((c) => c === 'DeleteRolePolicy').length).toBeGreaterThan(0);
    const backupOps = iamWrites.filter((c) => c.input.RoleName === 'VeeamBackupRole').map((c) => c.command);
    expect(backupOps.at(-1)).toBe('DeleteRole');
    expect(backupOps.slice(0, -1).every((c) => c === 'DeleteRolePolicy' || c === 'DetachRolePolicy')).toBe(true);
    expect(watch.violations).toEqual([]);
  });

  for (const mode of ['unregister', 'delete'] as const) {
    it(`${mode}: an entry Veeam refuses to remove (used by a policy) is kept, its role too, and the refusal is reported`, async () => {
      const id = await protectedAccount();
      const used = ownedEntries(world, id).find((e) => e.roleName === 'VeeamBackupRole')!;
      used.usedByPolicy = 'Nightly EC2';
      world.org.moveAccount(id, OUT);
      const r = await sync(mode, id);
      expect(r.action).toBe('offboard');
      expect(role(r, 'VeeamBackupRole').veeam).toBe('refused');
      expect(role(r, 'VeeamBackupRole').changes.join(' ')).toMatch(/Nightly EC2/);
      expect(role(r, 'VeeamWorkerRole').veeam).toBe('removed');
      expect(world.veeam.state.entries.get(used.id)).toBeDefined();
      expect(world.veeam.state.count('DELETE /api/v1/accounts/amazon/{id}')).toBeGreaterThan(0);
      // The refused entry still works: its role is kept and still accepts the ID it holds.
      expect(world.iam.canAssume(id, 'VeeamBackupRole', APPLIANCE_ROLE_ARN, used.externalId)).toBe(true);
      expect(world.iam.role(id, 'VeeamWorkerRole') === undefined).toBe(mode === 'delete');
    });
  }
});

describe('accounts that leave the organization, close or are suspended', () => {
  it('removed from the organization: offboarded (unregister)', async () => {
    const id = await protectedAccount();
    world.org.removeAccount(id);
    const r = await sync('unregister', id);
    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    expect(ownedEntries(world, id)).toEqual([]);
  });

  it('suspended: offboarded (unregister), reason names the status', async () => {
    const id = await protectedAccount();
    world.org.suspend(id);
    const r = await sync('unregister', id);
    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    expect(r.scopeReason).toMatch(/SUSPENDED/);
    expect(ownedEntries(world, id)).toEqual([]);
  });

  it('closed and unreachable (delete): entries removed, roles left in place and reported, not an error', async () => {
    const id = await protectedAccount();
    world.org.close(id);
    // A closed account no longer lets the service in.
    // (the dedicated access role is gone: the closed account's stack instance no longer answers).
    world.iam.account(id).roles.delete('VeeamOrgSyncAccess');
    world.iam.account(id).roles.delete('OrganizationAccountAccessRole');
    const r = await convergeAccount(freshMember('delete'), id, { dryRun: false, reason: 'CloseAccount' });
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    expect(ownedEntries(world, id)).toEqual([]);
    for (const name of ROLES) {
      expect(world.iam.role(id, name)).toBeDefined();
      expect(role(r, name).changes.join(' ')).toMatch(/unreachable/);
    }
  });

  it('any other failure to get into the account (STS throttling) is an error that is retried, not "unreachable"', async () => {
    const id = await protectedAccount();
    world.org.close(id);
    world.iam.throttle('AssumeRole', 1);
    const r = await convergeAccount(freshMember('delete'), id, { dryRun: false, reason: 'CloseAccount' });
    expect(r).toMatchObject({ inScope: false, action: 'error', error: { retryable: true } });
    expect(r.roles.flatMap((x) => x.changes).join(' ')).not.toMatch(/unreachable/);
    // Nothing was removed on either side: the retry finds the account as it was.
    expect(ownedEntries(world, id)).toHaveLength(2);
    for (const name of ROLES) expect(world.iam.role(id, name)).toBeDefined();
    const again = await convergeAccount(freshMember('delete'), id, { dryRun: false, reason: 'retry' });
    expect(again.action).toBe('offboard');
    expect(ownedEntries(world, id)).toEqual([]);
    for (const name of ROLES) expect(world.iam.role(id, name)).toBeUndefined();
  });
});

describe('delete after unregister', () => {
  it('roles left by an earlier unregister are deleted and reported as an offboarding, not skipped', async () => {
    const id = await protectedAccount();
    world.org.moveAccount(id, OUT);
    await sync('unregister', id);
    expect(ownedEntries(world, id)).toEqual([]);
    for (const name of ROLES) expect(world.iam.role(id, name)).toBeDefined();
    const r = await sync('delete', id);
    expect(r.action).toBe('offboard');
    for (const name of ROLES) {
      expect(role(r, name).role).toBe('removed');
      expect(world.iam.role(id, name)).toBeUndefined();
    }
    // Once everything is gone there is nothing to offboard: no unit of the budget, nothing reported as done.
    expect((await sync('delete', id)).action).toBe('skip');
  });
});

describe('moving back into scope', () => {
  for (const mode of ['unregister', 'delete'] as const) {
    it(`re-protects an account offboarded with ${mode}`, async () => {
      const id = await protectedAccount();
      world.org.moveAccount(id, OUT);
      await sync(mode, id);
      expect(ownedEntries(world, id)).toEqual([]);
      world.org.moveAccount(id, IN);
      const r = await sync(mode, id);
      expect(r.inScope).toBe(true);
      expect(r.action).toBe(mode === 'delete' ? 'create' : 'register');
      expect(isProtected(id)).toBe(true);
    });
  }
});

describe('entries we do not own', () => {
  it('an entry under our name without our marker is left untouched in every mode, and the account is not ours to report', async () => {
    const id = String(790000000000);
    world.org.createAccount({ id, parentId: OUT });
    world.iam.addAccount(id);
    const theirs = world.veeam.state.addEntry({
      name: `${id}-backup`,
      accountId: id,
      roleName: 'VeeamBackupRole',
      externalId: 'theirs',
      description: 'hand made',
    });
    for (const mode of ['retain', 'unregister', 'delete'] as const) {
      const r = await sync(mode, id);
      // Out of scope, someone else's entry is not a conflict of ours (no alarm for accounts we do not protect).
      expect(r.action).toBe('skip');
      expect(role(r, 'VeeamBackupRole')).toMatchObject({
        veeam: 'absent',
        changes: [expect.stringMatching(/not ours/)],
      });
      expect(world.veeam.state.entries.get(theirs.id)).toEqual(theirs);
    }
  });
});

describe('what an offboarding decides and reports', () => {
  const OUT_REASON = 'outside SCOPE_OU_IDS (parents: ou-ab12-22222222)';
  /** No unit of the offboarding budget left: whatever would remove something is held instead. */
  const spent = (mode: OffboardMode) =>
    depsFor({ config: { ...loadConfig(process.env), offboardMode: mode, offboardMaxPerRun: 0 } });
  const heldEvents = () => world.eventBus.events.filter((e) => e.detailType === 'Offboarding Held');

  it('retain: an account where only one of its entries is still ours is reported as offboarded (retained)', async () => {
    const id = await protectedAccount();
    world.veeam.state.entries.delete(ownedEntries(world, id).find((e) => e.roleName === 'VeeamWorkerRole')!.id);
    world.org.moveAccount(id, OUT);
    const r = await sync('retain', id);
    expect(r.action).toBe('offboard');
    expect(role(r, 'VeeamBackupRole').changes).toEqual(['retained (OFFBOARD_MODE=retain)']);
    expect(role(r, 'VeeamWorkerRole')).toMatchObject({ veeam: 'absent', changes: [] });
  });

  it('names who owns an entry it leaves: one written before installation ids is for a person to remove', async () => {
    const id = await protectedAccount();
    const [backup, worker] = ['VeeamBackupRole', 'VeeamWorkerRole'].map((n) =>
      ownedEntries(world, id).find((e) => e.roleName === n)!,
    );
    backup!.description = entryDescription('VeeamBackupRole', backup!.externalId!);
    worker!.description = entryDescription('VeeamWorkerRole', worker!.externalId!, undefined, 'other-installation');
    world.org.moveAccount(id, OUT);
    const writes = world.veeam.state.writes();
    const r = await sync('unregister', id);
    expect(r.action).toBe('skip');
    expect(role(r, 'VeeamBackupRole').changes).toEqual([
      `Veeam entry ${backup!.name} was written before installation ids (no id in its mark): never offboarded automatically; remove it by hand if no installation protects this account`,
    ]);
    expect(role(r, 'VeeamWorkerRole').changes).toEqual([
      `Veeam entry ${worker!.name} is owned by installation other-installation: left untouched`,
    ]);
    expect(world.veeam.state.writes()).toBe(writes);
  });

  it('an account whose every entry Veeam refuses to remove is still an offboarding (an alarm-worthy outcome), not a skip', async () => {
    const id = await protectedAccount();
    for (const e of ownedEntries(world, id)) e.usedByPolicy = 'Nightly EC2';
    world.org.moveAccount(id, OUT);
    const r = await sync('unregister', id);
    expect(r.action).toBe('offboard');
    expect(r.roles.map((x) => x.veeam)).toEqual(['refused', 'refused']);
    expect(role(r, 'VeeamBackupRole').changes[0]).toMatch(/^Veeam refused removal: .*Nightly EC2/);
  });

  it('a dry run says which entries would be removed and removes none', async () => {
    const id = await protectedAccount();
    world.org.moveAccount(id, OUT);
    const r = await convergeAccount(depsOf('unregister'), id, { dryRun: true, reason: 'test' });
    for (const e of ownedEntries(world, id))
      expect(r.roles.find((x) => x.roleName === e.roleName)!.changes).toEqual([
        `Veeam entry ${e.name} would be removed`,
      ]);
    expect(ownedEntries(world, id)).toHaveLength(2);
  });

  it('delete: roles someone already deleted are reported absent while the entries are removed', async () => {
    const id = await protectedAccount();
    for (const name of ROLES) world.iam.account(id).roles.delete(name);
    world.org.moveAccount(id, OUT);
    const r = await sync('delete', id);
    expect(r.action).toBe('offboard');
    expect(r.roles.map((x) => [x.roleName, x.veeam, x.role])).toEqual(ROLES.map((n) => [n, 'removed', 'absent']));
    expect(ownedEntries(world, id)).toEqual([]);
  });

  it('with the budget spent: an account with something of ours to remove is held, says so on every role, and the hold is announced naming it', async () => {
    const id = await protectedAccount();
    world.org.moveAccount(id, OUT);
    const before = heldEvents().length;
    const r = await convergeAccount(spent('delete'), id, { dryRun: false, reason: 'test' });
    expect(r.action).toBe('held');
    expect(r.held).toMatch(/offboarding budget is spent \(\d+ of 0 accounts/);
    for (const name of ROLES) expect(role(r, name).changes).toEqual(['held: nothing removed']);
    expect(isProtected(id)).toBe(true);
    expect(
      heldEvents()
        .slice(before)
        .map((e) => e.detail),
    ).toEqual([expect.objectContaining({ accounts: [id], wouldOffboard: 1, limit: 0 })]);
  });

  it('with the budget spent: roles that are gone, or another installation’s, are nothing to offboard (skip, not held)', async () => {
    const id = await protectedAccount();
    // Entries removed by hand (not by an offboarding, which would have counted the account in the budget already).
    for (const e of ownedEntries(world, id)) world.veeam.state.entries.delete(e.id);
    world.org.moveAccount(id, OUT);
    world.iam.account(id).roles.delete('VeeamWorkerRole');
    world.iam.role(id, 'VeeamBackupRole')!.tags.set(MANAGED_TAG, 'other-installation');
    const before = heldEvents().length;
    const r = await convergeAccount(spent('delete'), id, { dryRun: false, reason: 'test' });
    expect(r.action).toBe('skip');
    expect(heldEvents()).toHaveLength(before);
    expect(world.iam.role(id, 'VeeamBackupRole')).toBeDefined();
  });

  it('a listing carried in a queued message is read again before removing; a listing from this very run is used as it is', async () => {
    const id = await protectedAccount();
    world.org.moveAccount(id, OUT);
    // The stale listing (a queued plan's) saw no entry: the entries Veeam holds now are what decides.
    const requeued = await offboardAccount(depsOf('unregister'), id, OUT_REASON, {
      dryRun: true,
      known: { entries: [], listedAt: new Date(0) },
    });
    expect(requeued.roles.map((x) => x.veeam)).toEqual(['removed', 'removed']);
    const listed = await offboardAccount(depsOf('unregister'), id, OUT_REASON, {
      dryRun: true,
      known: { entries: [] },
    });
    expect(listed.action).toBe('skip');
  });
});
