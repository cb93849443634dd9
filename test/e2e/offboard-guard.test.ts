import { runCli } from '../../bin/cli';
import { convergeAccount } from '../../lib/account/converge-account';
import { loadConfig } from '../../lib/config';
import type { Deps } from '../../lib/deps';
import { enqueueForWorker, reconcile, type ReconcileReport } from '../../lib/fleet/reconcile';
import { buildDeps } from '../../lib/wiring';
import { startWorld, type World } from '../../sim/world';
import { addAccount, ownedEntries, protect, writeCounts } from '../support/account-harness';

/**
 * The blast-radius limit: a reconcile that would offboard more accounts than the offboarding budget leaves
 * (OFFBOARD_MAX_PER_RUN per 24 hours, default 5, shared with every other path) offboards none, says why and how to go
 * on, and fails visibly; a SCOPE_OU_IDS entry that does not exist stops the
 * run before anything is planned; the management account is out of scope unless asked for.
 */
const IN = 'ou-ab12-11111111';
const EMPTY = 'ou-ab12-22222222';
const ROLES = ['VeeamBackupRole', 'VeeamWorkerRole'] as const;
const ACCOUNTS = ['710000000001', '710000000002', '710000000003', '710000000004', '710000000005', '710000000006'];

let world: World;

const depsWith = (env: Record<string, string>): Deps =>
  buildDeps({ config: loadConfig({ ...process.env, ...env }), purpose: 'cli' });

interface CliRun {
  code: number;
  out: string;
  err: string;
}
async function cli(args: string[], deps: Deps): Promise<CliRun> {
  const run: CliRun = { code: 0, out: '', err: '' };
  run.code = await runCli(args, { out: (t) => (run.out += `${t}\n`), err: (t) => (run.err += `${t}\n`) }, deps);
  return run;
}

const intact = (id: string) =>
  ownedEntries(world, id).length === 2 && ROLES.every((r) => world.iam.role(id, r) !== undefined);

beforeAll(async () => {
  world = await startWorld({
    offboardMode: 'delete',
    scopeOuIds: (org) => {
      org.createOu(org.rootId, IN);
      org.createOu(org.rootId, EMPTY);
      return [IN];
    },
  });
  world.org.createAccount({ id: world.org.managementAccountId, name: 'management' });
  world.iam.addAccount(world.org.managementAccountId);
  const deps = depsWith({});
  for (const id of ACCOUNTS) {
    addAccount(world, id, IN);
    await protect(deps, id);
  }
}, 60_000);
afterAll(() => world.stop());

describe('offboarding guard (OFFBOARD_MAX_PER_RUN, default 5)', () => {
  // The mistake the guard exists for: SCOPE_OU_IDS names a real but wrong (empty) OU, so all 6 accounts look departed.
  const wrongScope = () => depsWith({ SCOPE_OU_IDS: EMPTY });

  it('a CLI reconcile that would offboard 6 accounts offboards none and exits 3, naming each account and the fix', async () => {
    const before = writeCounts(world);
    const run = await cli(['reconcile'], wrongScope());
    expect(run.code).toBe(3);
    expect(run.out).toMatch(/Offboarding held: this run would offboard 6 accounts and the offboarding budget allows 5/);
    expect(run.out).toMatch(/OFFBOARD_MAX_PER_RUN/);
    expect(run.out).toMatch(/reconcile --allow-offboard 6/);
    for (const id of ACCOUNTS) {
      expect(run.out).toContain(id);
      expect(intact(id)).toBe(true);
    }
    expect(writeCounts(world)).toEqual(before);
  });

  it('the report (what the Lambda returns) says held, and names every account with the reason and the setting', async () => {
    const json = await cli(['reconcile', '--json'], wrongScope());
    expect(json.code).toBe(3);
    const report = (JSON.parse(json.out) as { report: ReconcileReport }).report;
    expect(report.offboardGuard).toMatchObject({
      held: true,
      wouldOffboard: 6,
      limit: 5,
      used: 0,
      budget: 'shared',
      accounts: ACCOUNTS,
    });
    expect(report.accounts.filter((a) => a.action === 'held').map((a) => a.accountId)).toEqual(ACCOUNTS);
    for (const id of ACCOUNTS)
      expect(report.notProtected.find((n) => n.accountId === id)?.reason).toMatch(
        /offboarding held: .*OFFBOARD_MAX_PER_RUN, stack parameter offboardMaxPerRun.*--allow-offboard 6/,
      );

    // The Lambda's use case (fan-out): the held accounts are not even enqueued for the worker.
    const fanOut = await reconcile(wrongScope(), { dryRun: false, dispatcher: enqueueForWorker() });
    expect(fanOut.offboardGuard).toMatchObject({ held: true, wouldOffboard: 6 });
    expect(fanOut.enqueued).toBe(0);
    expect(world.sqs.messages(world.env.ACCOUNT_QUEUE_URL!)).toEqual([]);
    for (const id of ACCOUNTS) expect(intact(id)).toBe(true);
  });

  it('a confirmation below the count still holds; --allow-offboard 6 proceeds and offboards all six', async () => {
    expect((await cli(['reconcile', '--allow-offboard', '5'], wrongScope())).code).toBe(3);
    expect((await cli(['reconcile', '--allow-offboard', 'six'], wrongScope())).code).toBe(2);
    for (const id of ACCOUNTS) expect(intact(id)).toBe(true);

    const run = await cli(['reconcile', '--allow-offboard', '6', '--json'], wrongScope());
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as { report: ReconcileReport }).report.offboardGuard).toMatchObject({
      held: false,
      wouldOffboard: 6,
      permit: 'grant',
      accounts: ACCOUNTS,
    });
    for (const id of ACCOUNTS) {
      expect(ownedEntries(world, id)).toEqual([]);
      for (const r of ROLES) expect(world.iam.role(id, r)).toBeUndefined();
    }
  });

  it('up to the budget needs no confirmation; then an event for one more account is held until confirmed', async () => {
    // A day later: the confirmation above has expired and its offboardings no longer count.
    world.clock.advance(25 * 3_600_000);
    const deps = depsWith({});
    for (const id of ACCOUNTS) await protect(deps, id);
    // One account sits in the OU the (new) scope names; the other five would be offboarded: exactly the budget.
    world.org.moveAccount(ACCOUNTS[5]!, EMPTY);
    const run = await cli(['reconcile', '--json'], depsWith({ SCOPE_OU_IDS: EMPTY }));
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as { report: ReconcileReport }).report.offboardGuard).toMatchObject({
      held: false,
      wouldOffboard: 5,
      permit: 'unit',
    });
    for (const id of ACCOUNTS.slice(0, 5)) expect(ownedEntries(world, id)).toEqual([]);
    // The event path converges one account at a time and draws from the same budget: the sixth is held, intact.
    const before = writeCounts(world);
    const r = await convergeAccount(deps, ACCOUNTS[5]!, { dryRun: false, reason: 'MoveAccount' });
    expect(r).toMatchObject({ action: 'held', inScope: false });
    expect(r.held).toMatch(
      /budget is spent \(5 of 5 accounts in the last 24 hours.*reconcile --account 710000000006 --allow-offboard 1/,
    );
    expect(intact(ACCOUNTS[5]!)).toBe(true);
    expect(writeCounts(world)).toEqual(before);
    // The operator confirms that one account by name.
    const confirmed = await cli(['reconcile', '--account', ACCOUNTS[5]!, '--allow-offboard', '1'], deps);
    expect(confirmed.code).toBe(0);
    expect(ownedEntries(world, ACCOUNTS[5]!)).toEqual([]);
  });
});

describe('SCOPE_OU_IDS naming an OU that does not exist', () => {
  const missing = 'ou-ab12-nothere0';

  it('stops the run before any planning, naming the OU and the fix; nothing changes', async () => {
    const deps = depsWith({ SCOPE_OU_IDS: `${IN},${missing}` });
    const before = writeCounts(world);
    const listings = world.veeam.state.count('GET /api/v1/accounts/amazon');
    const run = await cli(['reconcile'], deps);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/ConfigError/);
    expect(run.err).toContain(`SCOPE_OU_IDS contains "${missing}", which is not a root or OU of this organization`);
    expect(run.err).toMatch(/scopeOuIds/);
    await expect(reconcile(deps, { dryRun: false, dispatcher: enqueueForWorker() })).rejects.toMatchObject({
      code: 'ConfigError',
      message: expect.stringContaining(missing),
    });
    // Not even the appliance was listed: the plan never started.
    expect(world.veeam.state.count('GET /api/v1/accounts/amazon')).toBe(listings);
    expect(writeCounts(world)).toEqual(before);
  });

  it('an event for one account fails with the same configuration error instead of offboarding it', async () => {
    const id = ACCOUNTS[0]!;
    await protect(depsWith({}), id);
    const before = writeCounts(world);
    const r = await convergeAccount(depsWith({ SCOPE_OU_IDS: missing }), id, { dryRun: false, reason: 'test' });
    expect(r).toMatchObject({ action: 'error', error: { code: 'ConfigError', retryable: false } });
    expect(r.error?.message).toContain(missing);
    expect(intact(id)).toBe(true);
    expect(writeCounts(world)).toEqual(before);
  });
});

describe('the management account', () => {
  const mgmt = () => world.org.managementAccountId;

  it('gets no roles with the default settings, with the reason in every report', async () => {
    const whole = depsWith({ SCOPE_OU_IDS: '' });
    const run = await cli(['reconcile', '--json'], whole);
    const report = (JSON.parse(run.out) as { report: ReconcileReport }).report;
    expect(report.notProtected.find((n) => n.accountId === mgmt())?.reason).toMatch(
      /^management account: out of scope unless INCLUDE_MANAGEMENT_ACCOUNT=true/,
    );
    const sync = await convergeAccount(whole, mgmt(), { dryRun: false, reason: 'test' });
    expect(sync).toMatchObject({ inScope: false, action: 'skip' });
    expect(sync.scopeReason).toMatch(/INCLUDE_MANAGEMENT_ACCOUNT/);
    for (const r of ROLES) expect(world.iam.role(mgmt(), r)).toBeUndefined();
    expect(world.iam.writes(mgmt())).toEqual([]);
    expect(world.veeam.state.list().filter((e) => e.accountId === mgmt())).toEqual([]);
  });

  it('is protected like any other account with INCLUDE_MANAGEMENT_ACCOUNT=true', async () => {
    const r = await convergeAccount(depsWith({ SCOPE_OU_IDS: '', INCLUDE_MANAGEMENT_ACCOUNT: 'true' }), mgmt(), {
      dryRun: false,
      reason: 'test',
    });
    expect(r).toMatchObject({ inScope: true, action: 'create' });
    expect(r.scopeReason).toMatch(/management account included by INCLUDE_MANAGEMENT_ACCOUNT/);
    for (const role of ROLES) expect(world.iam.role(mgmt(), role)).toBeDefined();
  });

  it('once left out again, its entries are unregistered but its roles are left alone: no IAM call at all', async () => {
    // A day later: the offboardings above no longer count against the budget.
    world.clock.advance(25 * 3_600_000);
    const calls = world.iam.calls.filter((c) => c.accountId === mgmt()).length;
    const r = await convergeAccount(depsWith({ SCOPE_OU_IDS: '' }), mgmt(), { dryRun: false, reason: 'test' });
    expect(r).toMatchObject({ inScope: false, action: 'offboard' });
    expect(world.veeam.state.list().filter((e) => e.accountId === mgmt())).toEqual([]);
    for (const role of ROLES) expect(world.iam.role(mgmt(), role)).toBeDefined();
    expect(r.roles.flatMap((x) => x.changes).join(' ')).toMatch(/role left in place: management account/);
    expect(world.iam.calls.filter((c) => c.accountId === mgmt())).toHaveLength(calls);
  });
});

describe('accounts in scope converge whatever happens to the departed ones', () => {
  const readBudgetItem = () => JSON.stringify(world.ddb.value('offboard-budget'));

  it('OFFBOARD_MODE=retain (the default): a new account is protected, a departed one left as it is, no budget drawn', async () => {
    world.clock.advance(25 * 3_600_000);
    const fresh = addAccount(world, '760000000001', IN);
    const gone = addAccount(world, '760000000002', IN);
    await protect(depsWith({}), gone);
    world.org.moveAccount(gone, EMPTY);
    const budget = readBudgetItem();
    const retain = depsWith({ OFFBOARD_MODE: 'retain' });
    const run = await cli(['reconcile', '--json'], retain);
    expect(run.code).toBe(0);
    const report = (JSON.parse(run.out) as { report: ReconcileReport }).report;
    expect(report.accounts.find((a) => a.accountId === fresh)?.action).toBe('create');
    expect(report.offboardGuard).toBeUndefined();
    expect(report.notProtected.find((n) => n.accountId === gone)?.reason).toMatch(/outside SCOPE_OU_IDS/);
    expect(ownedEntries(world, fresh)).toHaveLength(2);
    expect(intact(gone)).toBe(true);
    expect(readBudgetItem()).toBe(budget);

    // The Lambda's fan-out under retain enqueues the accounts to protect, and nothing for the departed one.
    const next = addAccount(world, '760000000003', IN);
    const fanOut = await reconcile(retain, { dryRun: false, dispatcher: enqueueForWorker() });
    const queued = world.sqs.messages(world.env.ACCOUNT_QUEUE_URL!).map((m) => m.groupId);
    expect(queued).toContain(next);
    expect(queued).not.toContain(gone);
    expect(fanOut.enqueued).toBe(queued.length);
    await world.drain();
    expect(ownedEntries(world, next)).toHaveLength(2);
  });

  it('a held reconcile still protects the accounts in scope; only the offboardings wait', async () => {
    // Six protected accounts leave for an OU outside the scope: more than the budget. One new account joins.
    const leaving = ['761000000001', '761000000002', '761000000003', '761000000004', '761000000005', '761000000006'];
    for (const id of leaving) {
      addAccount(world, id, IN);
      await protect(depsWith({}), id);
      world.org.moveAccount(id, EMPTY);
    }
    const fresh = addAccount(world, '761000000007', IN);
    const run = await cli(['reconcile', '--json'], depsWith({}));
    expect(run.code).toBe(3);
    const report = (JSON.parse(run.out) as { report: ReconcileReport }).report;
    expect(report.offboardGuard).toMatchObject({ held: true, accounts: expect.arrayContaining(leaving) as string[] });
    expect(report.accounts.find((a) => a.accountId === fresh)?.action).toBe('create');
    expect(ownedEntries(world, fresh)).toHaveLength(2);
    for (const id of leaving) expect(intact(id)).toBe(true);
  });
});
