import { loadConfig } from '../../lib/config';
import type { ReconcileReport } from '../../lib/fleet/reconcile';
import { entryDescription } from '../../lib/registration';
import { captureLogs } from '../../sandbox/log-capture';
import { createAccountResult } from '../../sandbox/events';
import { startWorld, type World } from '../../sim/world';
import type {
  addAccount as AddAccount,
  ownedEntries as OwnedEntries,
  protect as Protect,
} from '../support/account-harness';

/**
 * Nothing silent: a conflict or a failure is an unprotected account (WARN with the reason, AccountsNotProtected);
 * a held-back mass offboarding is an ERROR line and the OffboardingHeld metric. Checked on what the real Lambda
 * handlers print: their structured logs and the EMF documents CloudWatch turns into the alarmed metrics.
 */
const SCOPE = 'ou-ab12-11111111';
const FORMER = 'ou-ab12-22222222';
const CONFLICT = '810000000001'; // a same-named role that is not ours
const OTHER = '810000000002'; // protected by another installation
const DEPARTED = ['820000000001', '820000000002', '820000000003', '820000000004', '820000000005', '820000000006'];

let world: World;
let addAccount: typeof AddAccount;
let ownedEntries: typeof OwnedEntries;
let protect: typeof Protect;
let lines: Array<Record<string, unknown>> = [];
let capture: ReturnType<typeof captureLogs>;

/** Values of a metric in the EMF documents printed since the last reset. */
const metric = (name: string): number[] =>
  lines
    .filter((l) => l._aws !== undefined && name in l)
    .flatMap((l) => (Array.isArray(l[name]) ? (l[name] as number[]) : [l[name] as number]));

beforeAll(async () => {
  world = await startWorld({
    offboardMode: 'unregister',
    scopeOuIds: (org) => {
      org.createOu(org.rootId, SCOPE);
      org.createOu(org.rootId, FORMER);
      return [SCOPE];
    },
    env: { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO' },
    // Another installation enters through its own access role (its StackSet), as a real one does.
    otherInstallations: [{ accessRoleName: 'VeeamOrgSyncAccessTeamB', installationId: 'team-b' }],
  });
  // Loaded after the world set the environment, as Lambda loads a handler: the logger's level is fixed at creation.
  ({ addAccount, ownedEntries, protect } = await import('../support/account-harness'));
  const { buildDeps } = await import('../../lib/wiring');
  addAccount(world, CONFLICT, SCOPE);
  world.iam.addRole(CONFLICT, 'VeeamBackupRole');
  addAccount(world, OTHER, SCOPE);
  await protect(
    buildDeps({
      config: loadConfig({ ...process.env, INSTALLATION_ID: 'team-b', ACCESS_ROLE_NAME: 'VeeamOrgSyncAccessTeamB' }),
    }),
    OTHER,
  );
  // Six accounts this installation protected while they were under FORMER, which is no longer in its scope.
  const former = buildDeps({ config: loadConfig({ ...process.env, SCOPE_OU_IDS: FORMER }) });
  for (const id of DEPARTED) {
    addAccount(world, id, FORMER);
    await protect(former, id);
  }
  capture = captureLogs((e) => lines.push(e));
}, 60_000);
afterAll(async () => {
  capture.restore();
  await world.stop();
});
beforeEach(() => (lines = []));

describe('an unprotected account is never silent', () => {
  it('the worker logs a conflict at WARN with the reason and publishes AccountsNotProtected', async () => {
    for (const id of [CONFLICT, OTHER]) await world.deliverEvent(createAccountResult(id));
    await world.drain();
    const warns = lines.filter((l) => l.level === 'WARN' && l.message === 'account not protected');
    expect(warns.map((w) => w.accountId).sort()).toEqual([CONFLICT, OTHER]);
    expect(warns.find((w) => w.accountId === CONFLICT)?.reason).toMatch(
      /role VeeamBackupRole in 810000000001 exists without the tag veeam-org-sync:managed=veeam-org-sync/,
    );
    expect(warns.find((w) => w.accountId === OTHER)?.reason).toMatch(/owned by installation team-b/);
    expect(metric('AccountsNotProtected')).toEqual([1, 1]);
    // Another installation's protection is left exactly as it was.
    expect(world.iam.role(OTHER, 'VeeamBackupRole')?.tags.get('veeam-org-sync:managed')).toBe('team-b');
  });

  it('a failed account counts too, once the queue has no retry left for it (not on each attempt)', async () => {
    world.veeam.faults.setDown(true);
    const failing = addAccount(world, '810000000003', SCOPE);
    await world.deliverEvent(createAccountResult(failing));
    await world.drain(1);
    // A retryable failure the queue delivers again is not an unprotected account yet: no WARN, no alarmed metric.
    expect(lines.filter((l) => l.message === 'account not protected')).toEqual([]);
    expect(lines.find((l) => l.message === 'account not protected yet; the request will be retried')).toMatchObject({
      level: 'INFO',
      accountId: failing,
    });
    expect(metric('AccountsNotProtected')).toEqual([]);
    await world.drain(); // the appliance stays down through the last attempt (MAX_RECEIVE_COUNT)
    world.veeam.faults.setDown(false);
    const warns = lines.filter((l) => l.message === 'account not protected');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: 'WARN', accountId: failing, action: 'error' });
    expect(metric('AccountsNotProtected')).toEqual([1]);
  });
});

describe('the scheduled reconcile (Lambda)', () => {
  it('a held dry run says so in its report only: no ERROR line, no OffboardingHeld metric, no event', async () => {
    const events = world.eventBus.events.length;
    const report = (await world.invokeReconcile({ dryRun: true })) as ReconcileReport;
    expect(report.offboardGuard).toMatchObject({ held: true, wouldOffboard: 6, accounts: DEPARTED });
    expect(report.accounts.filter((a) => a.action === 'held')).toHaveLength(6);
    expect(lines.find((l) => l.message === 'offboarding held')).toBeUndefined();
    expect(metric('OffboardingHeld')).toEqual([]);
    expect(world.eventBus.events.slice(events).filter((e) => e.detailType === 'Offboarding Held')).toEqual([]);
  });

  it('holds back a mass offboarding: ERROR line with every account and the fix, OffboardingHeld, report held', async () => {
    const report = (await world.invokeReconcile({ dryRun: false })) as ReconcileReport;
    expect(report.offboardGuard).toMatchObject({ held: true, wouldOffboard: 6, limit: 5, accounts: DEPARTED });
    const held = lines.find((l) => l.message === 'offboarding held');
    expect(held).toMatchObject({ level: 'ERROR', wouldOffboard: 6, limit: 5, accounts: DEPARTED });
    expect(String(held?.fix)).toMatch(/OFFBOARD_MAX_PER_RUN.*--allow-offboard 6/);
    expect(metric('OffboardingHeld')).toEqual([6]);
    // The run publishes what it knows is unprotected: the account whose entries belong to another installation.
    expect(metric('AccountsNotProtected')).toEqual([1]);
    await world.drain();
    for (const id of DEPARTED) expect(ownedEntries(world, id)).toHaveLength(2);
  });

  it('publishes zero unprotected accounts when there are none', async () => {
    world.org.moveAccount(OTHER, FORMER);
    world.iam.role(CONFLICT, 'VeeamBackupRole')!.tags.set('veeam-org-sync:managed', 'true');
    for (const e of world.veeam.state.list().filter((x) => DEPARTED.includes(x.accountId)))
      e.description = entryDescription(e.roleName, e.externalId!); // written before installation ids: never offboarded
    const report = (await world.invokeReconcile({ dryRun: false })) as ReconcileReport;
    expect(report.offboardGuard).toMatchObject({ held: false, wouldOffboard: 0 });
    expect(metric('AccountsNotProtected')).toEqual([0]);
    expect(metric('OffboardingHeld')).toEqual([]);
  });
});
