import { mapLimit } from '../util/map-limit';
import { convergeAccount } from '../account/converge-account';
import type { Deps } from '../deps';
import { logger } from '../log';
import { recordInScope, recordNotProtected, recordOffboardingHeld } from '../metrics';
import { assertScopeExists, scopeOf } from '../organizations/scope';
import type { AccountReport } from '../account/account-report';
import { planReconcile, type PlannedAccount, type ReconcilePlan } from './plan-reconcile';
import { entryOwner } from '../registration';
import { announceOffboardingHeld } from './offboarding-held';
import type { VeeamEntry } from '../veeam/types';
import { finishOrganizationRescan, sweepOrganizationRescan } from './organization-rescan';

export interface ReconcileOptions {
  dryRun: boolean;
  /** Only these accounts (manual invoke / CLI --account). */
  accountIds?: string[];
  /**
   * 'fan-out' (Lambda): plan from Organizations + one Veeam listing, then enqueue one sync per account for the
   * worker; 'in-process' (CLI, sandbox): converge every planned account here with bounded concurrency.
   */
  mode: 'fan-out' | 'in-process';
  /** Fan-out dry run only: also read IAM of every planned account (the full create/repair/update picture). */
  deep?: boolean;
  /**
   * A human's one-time confirmation of up to this many offboardings in this run (CLI `reconcile --allow-offboard N`),
   * when more than OFFBOARD_MAX_PER_RUN would be offboarded. Never lowers the configured limit.
   */
  allowOffboard?: number;
  /** In-process runs: called after each account converges (the CLI's progress line). */
  onProgress?: (p: { done: number; total: number; account: AccountReport }) => void;
}

/**
 * The blast-radius limit of one reconcile (like a StackSet's failure tolerance): above `limit` accounts to offboard,
 * none is offboarded (`held`) and every one is reported with the reason and the setting to change.
 */
export interface OffboardGuard {
  held: boolean;
  wouldOffboard: number;
  limit: number;
  accounts: string[];
}

export interface ReconcileReport {
  dryRun: boolean;
  mode: ReconcileOptions['mode'];
  totals: Record<string, number>;
  /** Planned accounts (fan-out) or converged ones (in-process, and fan-out dry runs for named accounts). */
  accounts: Array<PlannedAccount | AccountReport>;
  /** Every account that is not (yet) protected, and why. */
  notProtected: Array<{ accountId: string; reason: string }>;
  enqueued: number;
  veeamLogins: number;
  /** Present when OFFBOARD_MODE removes something (unregister, delete): what this run would offboard, and whether held. */
  offboardGuard?: OffboardGuard;
}

/**
 * Plans from one Organizations walk and one Veeam listing (returned too, for callers that need the entries).
 * `explain: false` skips asking Organizations why each departed account left, for callers that only need who.
 */
export async function planOrganization(
  deps: Deps,
  opts: { accountIds?: string[]; explain?: boolean } = {},
): Promise<{ plan: ReconcilePlan; entries: VeeamEntry[]; plannedAt: Date }> {
  // A scope naming no OU of this organization would make every account look out of scope: stop before planning.
  await assertScopeExists(deps.org, deps.config);
  const plannedAt = deps.now();
  const veeam = await deps.veeam();
  // The Organizations walk and the Veeam listing are independent: read both at once. Holding the walk's accounts
  // (about 100 bytes each) is what this costs: a few MB at 10,000 accounts.
  const [entries, accounts, managementAccountId] = await Promise.all([
    veeam.listEntries(),
    collect(deps.org.listAccountsUnder(deps.config.scopeOuIds)),
    deps.org.managementAccountId(),
  ]);
  const { installationId } = deps.config;
  const plan = await planReconcile({
    desired: iterate(accounts),
    config: deps.config,
    entries,
    blueprints: deps.blueprints.filter((b) => b.register).map((b) => ({ key: b.key, roleName: b.roleName })),
    owner: (e) => entryOwner(e, installationId),
    managementAccountId,
    ...(opts.explain === false
      ? {}
      : { explainOutOfScope: async (id: string) => (await scopeOf(deps.org, deps.config, id)).reason }),
    ...(opts.accountIds?.length ? { onlyAccountIds: new Set(opts.accountIds) } : {}),
  });
  return { plan, entries, plannedAt };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

// eslint-disable-next-line @typescript-eslint/require-await -- an AsyncIterable over what is already in memory
async function* iterate<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/**
 * The scheduled safety net: what events missed and what people changed by hand. One Organizations walk, one
 * Veeam listing (one login), then per-account convergence through the same convergeAccount as events.
 */
export async function reconcile(deps: Deps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const loginsBefore = (await deps.veeam()).stats.logins;
  const { plan, entries, plannedAt } = await planOrganization(deps, {
    ...(opts.accountIds ? { accountIds: opts.accountIds } : {}),
  });
  recordInScope(plan.accounts.filter((a) => a.action === 'ok' || a.action === 'register').length);

  // Out of scope with nothing of ours, or retained by OFFBOARD_MODE=retain: nothing to do, every run.
  const retain = deps.config.offboardMode === 'retain';
  const guard = retain ? undefined : offboardGuard(deps, plan.accounts, opts);
  const held = guard?.held ? holdOffboarding(deps, guard, opts.dryRun) : undefined;
  const reasonOf = (a: PlannedAccount) => (held && a.action === 'offboard' ? `${a.reason}; ${held}` : a.reason);
  const report: ReconcileReport = {
    dryRun: opts.dryRun,
    mode: opts.mode,
    totals: { ...plan.totals },
    accounts: plan.accounts,
    notProtected: plan.accounts
      .filter((a) => a.action !== 'ok')
      .map((a) => ({ accountId: a.accountId, reason: reasonOf(a) })),
    enqueued: 0,
    veeamLogins: 0,
    ...(guard ? { offboardGuard: guard } : {}),
  };
  const work = plan.accounts.filter(
    (a) => a.action !== 'skip' && !((retain || guard?.held) && a.action === 'offboard'),
  );
  // Named accounts (or all, with deep) get the full picture, IAM included, even in a dry run; so does the CLI.
  const converge = opts.mode === 'in-process' || (opts.dryRun && (opts.accountIds?.length || opts.deep));
  const byAccount = entriesByAccount(entries);
  if (converge) {
    // The plan has just read every account's scope and entries: convergence takes them instead of asking again.
    let done = 0;
    const reports = await mapLimit(work, deps.config.concurrency, async (a) => {
      const account = await convergeAccount(deps, a.accountId, {
        dryRun: opts.dryRun,
        reason: 'reconcile',
        known: {
          scope: { inScope: a.action !== 'offboard', reason: a.reason },
          entries: byAccount.get(a.accountId) ?? [],
        },
        organizationRescan: 'deferred', // organizations mode: one rescan for the run, below
      });
      opts.onProgress?.({ done: ++done, total: work.length, account });
      return account;
    });
    // --- organizations mode: ONE organization rescan for every account this run converged (organization-rescan.ts) ---
    reports.splice(0, reports.length, ...(await finishOrganizationRescan(deps, reports, opts)).reports);
    // Held accounts stay in the table: out of scope, left as they are, with the reason.
    const heldReports: AccountReport[] = held
      ? plan.accounts
          .filter((a) => a.action === 'offboard')
          .map((a) => ({
            accountId: a.accountId,
            inScope: false,
            scopeReason: a.reason,
            action: 'skip',
            roles: [],
            dryRun: opts.dryRun,
          }))
      : [];
    report.accounts = [...reports, ...heldReports];
    report.totals = countBy(report.accounts.map((r) => r.action));
    const unprotected = (r: AccountReport) =>
      r.inScope && (r.action === 'error' || r.action === 'conflict' || (opts.dryRun && r.action !== 'ok'));
    report.notProtected = [
      ...reports.filter(unprotected).map((r) => ({
        accountId: r.accountId,
        reason: r.error?.message ?? (r.roles.flatMap((x) => x.changes).join('; ') || r.action),
      })),
      ...plan.accounts
        .filter((a) => a.action === 'skip' || a.action === 'offboard')
        .map((a) => ({ accountId: a.accountId, reason: reasonOf(a) })),
    ];
    if (!opts.dryRun) recordNotProtected(reports.filter(unprotected).length);
  } else if (!opts.dryRun) {
    if (!deps.queue) throw new Error('fan-out reconcile needs the account queue (ACCOUNT_QUEUE_URL)');
    // Each message carries what the plan read about its account, so the worker skips those reads while it is fresh.
    await deps.queue.send(
      work.map((a) => ({
        accountId: a.accountId,
        action: 'sync' as const,
        reason: 'reconcile',
        plan: {
          plannedAt: plannedAt.toISOString(),
          inScope: a.action !== 'offboard',
          scopeReason: a.reason,
          entries: byAccount.get(a.accountId) ?? [],
        },
      })),
      { runId: deps.now().toISOString() },
    );
    report.enqueued = work.length;
    // The worker reports what it meets in IAM; what the plan already knows (another owner's entry) is counted here.
    recordNotProtected(plan.accounts.filter((a) => a.foreign?.length).length);
  }
  // --- organizations mode: a fan-out run sweeps marks a crashed worker left (organization-rescan.ts) ---
  if (opts.mode === 'fan-out') await sweepOrganizationRescan(deps, opts.dryRun);
  // The guard (when this reconcile has one) holds without failing the run: other automation hears of it here.
  await announceOffboardingHeld(deps, report.offboardGuard, opts.dryRun);
  report.veeamLogins = (await deps.veeam()).stats.logins - loginsBefore;
  return report;
}

function offboardGuard(deps: Deps, planned: PlannedAccount[], opts: ReconcileOptions): OffboardGuard {
  const accounts = planned.filter((a) => a.action === 'offboard').map((a) => a.accountId);
  const limit = Math.max(deps.config.offboardMaxPerRun, opts.allowOffboard ?? 0);
  return { held: accounts.length > limit, wouldOffboard: accounts.length, limit, accounts };
}

/**
 * Offboards none and fails visibly (ERROR line and OffboardingHeld, unless a dry run): returns the reason every held
 * account is reported with, naming the setting to change and the one-time confirmation.
 */
function holdOffboarding(deps: Deps, guard: OffboardGuard, dryRun: boolean): string {
  const why =
    `offboarding held: this run would offboard ${guard.wouldOffboard} accounts, more than ${guard.limit} ` +
    `(OFFBOARD_MAX_PER_RUN, stack parameter offboardMaxPerRun), so none was offboarded. If SCOPE_OU_IDS or ` +
    `EXCLUDED_ACCOUNT_IDS changed by mistake, fix it; if intended, confirm once with ` +
    `\`reconcile --allow-offboard ${guard.wouldOffboard}\` (CLI) or raise offboardMaxPerRun`;
  if (dryRun) return why;
  logger.error('offboarding held', {
    wouldOffboard: guard.wouldOffboard,
    limit: guard.limit,
    accounts: guard.accounts,
    offboardMode: deps.config.offboardMode,
    fix: why,
  });
  recordOffboardingHeld(guard.wouldOffboard);
  return why;
}

function entriesByAccount(entries: VeeamEntry[]): Map<string, VeeamEntry[]> {
  const map = new Map<string, VeeamEntry[]>();
  for (const e of entries) map.set(e.accountId, [...(map.get(e.accountId) ?? []), e]);
  return map;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
