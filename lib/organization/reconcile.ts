import { mapLimit } from '../util/map-limit';
import { convergeAccount } from '../account/converge-account';
import type { Deps } from '../deps';
import { recordInScope } from '../metrics';
import { scopeOf } from '../org/scope';
import type { AccountReport } from '../account/account-report';
import { planReconcile, type PlannedAccount, type ReconcilePlan } from './plan-reconcile';
import { isOwnedEntry } from '../veeam/registration';
import type { VeeamEntry } from '../veeam/types';

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
}

/**
 * Plans from one Organizations walk and one Veeam listing (returned too, for callers that need the entries).
 * `explain: false` skips asking Organizations why each departed account left, for callers that only need who.
 */
export async function planOrganization(
  deps: Deps,
  opts: { accountIds?: string[]; explain?: boolean } = {},
): Promise<{ plan: ReconcilePlan; entries: VeeamEntry[]; plannedAt: Date }> {
  const plannedAt = deps.now();
  const veeam = await deps.veeam();
  // The Organizations walk and the Veeam listing are independent: read both at once. Holding the walk's accounts
  // (about 100 bytes each) is what this costs: a few MB at 10,000 accounts.
  const [entries, accounts] = await Promise.all([
    veeam.listEntries(),
    collect(deps.org.listAccountsUnder(deps.config.scopeOuIds)),
  ]);
  const plan = await planReconcile({
    desired: iterate(accounts),
    config: deps.config,
    entries,
    blueprints: deps.blueprints.filter((b) => b.register).map((b) => ({ key: b.key, roleName: b.roleName })),
    isOwned: isOwnedEntry,
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
  const report: ReconcileReport = {
    dryRun: opts.dryRun,
    mode: opts.mode,
    totals: { ...plan.totals },
    accounts: plan.accounts,
    notProtected: plan.accounts
      .filter((a) => a.action !== 'ok')
      .map((a) => ({ accountId: a.accountId, reason: a.reason })),
    enqueued: 0,
    veeamLogins: 0,
  };

  // Out of scope with nothing of ours, or retained by OFFBOARD_MODE=retain: nothing to do, every run.
  const retain = deps.config.offboardMode === 'retain';
  const work = plan.accounts.filter((a) => a.action !== 'skip' && !(retain && a.action === 'offboard'));
  // Named accounts (or all, with deep) get the full picture, IAM included, even in a dry run; so does the CLI.
  const converge = opts.mode === 'in-process' || (opts.dryRun && (opts.accountIds?.length || opts.deep));
  const byAccount = entriesByAccount(entries);
  if (converge) {
    // The plan has just read every account's scope and entries: convergence takes them instead of asking again.
    const reports = await mapLimit(work, deps.config.concurrency, (a) =>
      convergeAccount(deps, a.accountId, {
        dryRun: opts.dryRun,
        reason: 'reconcile',
        known: {
          scope: { inScope: a.action !== 'offboard', reason: a.reason },
          entries: byAccount.get(a.accountId) ?? [],
        },
      }),
    );
    report.accounts = reports;
    report.totals = countBy(reports.map((r) => r.action));
    const unprotected = (r: AccountReport) =>
      r.inScope && (r.action === 'error' || r.action === 'conflict' || (opts.dryRun && r.action !== 'ok'));
    report.notProtected = [
      ...reports.filter(unprotected).map((r) => ({
        accountId: r.accountId,
        reason: r.error?.message ?? (r.roles.flatMap((x) => x.changes).join('; ') || r.action),
      })),
      ...plan.accounts
        .filter((a) => a.action === 'skip' || a.action === 'offboard')
        .map((a) => ({ accountId: a.accountId, reason: a.reason })),
    ];
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
  }
  report.veeamLogins = (await deps.veeam()).stats.logins - loginsBefore;
  return report;
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
