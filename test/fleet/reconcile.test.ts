import type { Deps } from '../../lib/deps';
import { generateExternalId } from '../../lib/external-id';
import { convergeInProcess, enqueueForWorker, reconcile, type ReconcileReport } from '../../lib/fleet/reconcile';
import { InvariantError } from '../../lib/errors';
import type { AccountReport } from '../../lib/account/account-report';
import { entryDescription } from '../../lib/registration';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';
import {
  addAccount,
  depsFor,
  invariantHolds,
  ownedEntries,
  protect,
  trustedIds,
  watchInvariant,
  writeCounts,
} from '../support/account-harness';

const ROLES = ['VeeamBackupRole', 'VeeamWorkerRole'] as const;
const A = '510000000001'; // new: nothing exists yet
const B = '510000000002'; // inline policy edited by hand
const C = '510000000003'; // Veeam entry deleted by hand
const D = '510000000004'; // Veeam entry's external ID changed by hand (an old copy of the entry restored)
const E = '510000000005'; // suspended: offboard
const F = '510000000006'; // untouched: ok
const G = '510000000007'; // trust edited: the external-ID condition removed
const H = '510000000008'; // role deleted by hand
const ALL = [A, B, C, D, E, F, G, H];

let world: World;
let deps: Deps;
let policyName = '';
let policyDoc = '';

const isProtected = (id: string) =>
  ownedEntries(world, id).length === 2 &&
  invariantHolds(world, id).length === 0 &&
  ROLES.every((r) => trustedIds(world, id, r).length === 1);
const actions = (accounts: ReconcileReport['accounts']) =>
  Object.fromEntries(accounts.filter((a) => ALL.includes(a.accountId)).map((a) => [a.accountId, a.action]));

beforeAll(async () => {
  world = await startWorld();
  deps = depsFor();
  for (const id of ALL) addAccount(world, id);
  for (const id of ALL.filter((x) => x !== A)) await protect(deps, id);

  const backupB = world.iam.role(B, 'VeeamBackupRole')!;
  policyName = [...backupB.inline.keys()][0]!;
  policyDoc = backupB.inline.get(policyName)!;
  backupB.inline.set(
    policyName,
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
    }),
  );

  world.veeam.state.entries.delete(ownedEntries(world, C).find((e) => e.roleName === 'VeeamWorkerRole')!.id);

  const entryD = ownedEntries(world, D).find((e) => e.roleName === 'VeeamBackupRole')!;
  const handId = generateExternalId();
  world.veeam.state.addEntry({
    ...entryD,
    externalId: handId,
    description: entryDescription(entryD.roleName, handId, new Date('2026-01-01')),
  });

  world.org.suspend(E);

  world.iam.role(G, 'VeeamBackupRole')!.trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: APPLIANCE_ROLE_ARN }, Action: 'sts:AssumeRole' }],
  });

  world.iam.account(H).roles.delete('VeeamBackupRole');
});
afterAll(() => world.stop());

/** What every account needs, read from IAM and the appliance: what the in-process and the deep dry runs both report. */
const fullPicture = () => ({
  [A]: 'create',
  [B]: 'repair',
  [C]: 'register',
  [D]: 'update',
  [E]: 'offboard',
  [F]: 'ok',
  [G]: 'repair',
  [H]: 'create',
});

describe('dry run: the plan, and zero writes of any kind', () => {
  it('in-process (CLI): per account create / repair / register / update / offboard / ok', async () => {
    const before = writeCounts(world);
    const report = await reconcile(deps, { dryRun: true, dispatcher: convergeInProcess() });
    expect(writeCounts(world)).toEqual(before);
    expect(actions(report.accounts)).toEqual(fullPicture());
    expect(report.accounts.every((a) => (a as AccountReport).dryRun === true)).toBe(true);
    // Every account that is not protected is named, with a reason.
    expect(new Set(report.notProtected.map((n) => n.accountId))).toEqual(new Set([A, B, C, D, E, G, H]));
    expect(report.notProtected.every((n) => n.reason.length > 0)).toBe(true);
  });

  it('Lambda {dryRun: true}: the Organizations + Veeam plan, nothing enqueued', async () => {
    const before = writeCounts(world);
    const report = (await world.invokeReconcile({ dryRun: true })) as ReconcileReport;
    expect(writeCounts(world)).toEqual(before);
    expect(report).toMatchObject({ dryRun: true, mode: 'fan-out', enqueued: 0 });
    // The plan reads only Organizations and one Veeam listing: IAM drift shows up in the worker, not here.
    expect(actions(report.accounts)).toEqual({
      [A]: 'register',
      [B]: 'ok',
      [C]: 'register',
      [D]: 'ok',
      [E]: 'offboard',
      [F]: 'ok',
      [G]: 'ok',
      [H]: 'ok',
    });
    expect(world.sqs.messages(QUEUES.account)).toEqual([]);
  });

  it('Lambda {dryRun: true, accountIds}: the full per-account picture for the named accounts only', async () => {
    const before = writeCounts(world);
    const report = (await world.invokeReconcile({ dryRun: true, accountIds: [B, D, E] })) as ReconcileReport;
    expect(writeCounts(world)).toEqual(before);
    expect(actions(report.accounts)).toEqual({ [B]: 'repair', [D]: 'update', [E]: 'offboard' });
    expect(report.accounts).toHaveLength(3);
  });

  it('Lambda {dryRun: true, deep: true}: every account with create / repair / register / update / offboard / ok', async () => {
    const before = writeCounts(world);
    const report = (await world.invokeReconcile({ dryRun: true, deep: true })) as ReconcileReport;
    expect(writeCounts(world)).toEqual(before);
    expect(actions(report.accounts)).toEqual(fullPicture());
  });

  it('refuses "deep" on a real run rather than guessing what was meant', async () => {
    await expect(world.invokeReconcile({ dryRun: false, deep: true })).rejects.toThrow(
      /"deep" only applies to a dry run/,
    );
  });
});

describe('repairing drift on either side', () => {
  it('fan-out: one message per account with MessageGroupId = the account, and the worker repairs everything', async () => {
    const watch = watchInvariant(world, () => ALL);
    const fWrites = world.iam.writes(F).length;
    const report = (await world.invokeReconcile({ dryRun: false })) as ReconcileReport;
    const queued = world.sqs.messages(QUEUES.account);
    expect(report.enqueued).toBe(ALL.length);
    expect(queued.map((m) => m.groupId).sort()).toEqual([...ALL].sort());
    expect(queued.every((m) => (JSON.parse(m.body) as { accountId: string }).accountId === m.groupId)).toBe(true);

    const { failed } = await world.drain();
    watch.stop();
    expect(failed).toBe(0);
    expect(world.sqs.messages(QUEUES.workerDlq)).toEqual([]);
    for (const id of [A, B, C, D, F, G, H]) expect(isProtected(id)).toBe(true);
    expect(world.iam.role(B, 'VeeamBackupRole')!.inline.get(policyName)).toBe(policyDoc);
    // The trust again requires an external ID: without one the appliance could be used as a confused deputy.
    expect(world.iam.canAssume(G, 'VeeamBackupRole', APPLIANCE_ROLE_ARN)).toBe(false);
    expect(ownedEntries(world, E)).toEqual([]);
    expect(world.iam.writes(F)).toHaveLength(fWrites);
    // Violations during the run come only from the drift itself: D (Veeam holds a hand-changed ID) and H (role
    // deleted) were broken before the worker ran. G's trust had no external-ID condition (any ID worked): the
    // appliance gets the new ID before the trust is narrowed to it, so G never loses access.
    const broken = new Set(watch.violations.map((v) => v.slice(0, 12)));
    expect([...broken].sort()).toEqual([D, H]);
    for (const id of [A, B, C, E, F, G]) expect(broken.has(id)).toBe(false);
  });

  it('a second reconcile finds nothing to do: zero writes', async () => {
    const before = writeCounts(world);
    const report = await reconcile(deps, { dryRun: false, dispatcher: convergeInProcess() });
    expect(writeCounts(world)).toEqual(before);
    // E (offboarded, nothing of ours left) is still named: out of scope, nothing to do.
    expect(actions(report.accounts)).toEqual({
      [A]: 'ok',
      [B]: 'ok',
      [C]: 'ok',
      [D]: 'ok',
      [E]: 'skip',
      [F]: 'ok',
      [G]: 'ok',
      [H]: 'ok',
    });
  });
});

describe('a broken wiring is a bug, not a transient failure', () => {
  it('a fan-out reconcile without the account queue fails with an InvariantError that is not retried', async () => {
    const { queue: _queue, ...withoutQueue } = deps;
    const run = reconcile(withoutQueue, { dryRun: false, dispatcher: enqueueForWorker() });
    await expect(run).rejects.toBeInstanceOf(InvariantError);
    await expect(run).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('ACCOUNT_QUEUE_URL'),
    });
  });
});
