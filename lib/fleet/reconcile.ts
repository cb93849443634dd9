import { mapLimit } from '../util/map-limit';
import { convergeAccount } from '../account/converge-account';
import type { Deps } from '../deps';
import { InvariantError } from '../errors';
import { recordInScope, recordNotProtected } from '../metrics';
import { assertScopeExists, scopeOf } from '../organizations/scope';
import type { AccountReport } from '../account/account-report';
import { planReconcile, type PlannedAccount, type ReconcilePlan } from './plan-reconcile';
import { entryOwner } from '../registration';
import { announceOffboardingHeld } from '../account/offboarding-held';
import type { VeeamEntry } from '../veeam/types';
import { authorizeOffboardings, type OffboardGuard } from './offboard-guard';
import { finishOrganizationRescan, sweepOrganizationRescan } from './organization-rescan';
import type { StateStore } from '../state';

export type { OffboardGuard } from './offboard-guard';

export interface ReconcileOptions {
  dryRun: boolean;
  /** Only these accounts (manual invoke / CLI --account). */
  accountIds?: string[];
  /**
   * A person's confirmation of up to this many offboardings beyond the offboarding budget (CLI `reconcile
   * --allow-offboard N`): written as a grant naming exactly the accounts this run offboards (lib/budget).
   */
  allowOffboard?: number;
  /** What happens to the accounts that need work: converged here (CLI, sandbox) or enqueued for the worker. */
  dispatcher: Dispatcher;
}

/** What a dispatcher gets besides the accounts: what the plan read, and the budget their offboardings draw from. */
export interface DispatchContext {
  /** Deps whose `state` is the budget this run's offboardings draw from (see authorizeOffboardings). */
  deps: Deps;
  dryRun: boolean;
  plannedAt: Date;
  entries: ReadonlyMap<string, VeeamEntry[]>;
}

export interface Dispatcher {
  readonly mode: 'fan-out' | 'in-process';
  /** Account reports for what was converged here; `enqueued` for what was handed to the worker. */
  dispatch(work: PlannedAccount[], ctx: DispatchContext): Promise<{ reports: AccountReport[]; enqueued: number }>;
}

export interface ReconcileReport {
  dryRun: boolean;
  mode: Dispatcher['mode'];
  totals: Record<string, number>;
  /** Every planned account: its report where it was converged or held here, else what the plan said. */
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
 * The scheduled safety net: what events missed and what people changed by hand. Plan (one Organizations walk, one
 * Veeam listing), then the offboarding budget decides the run's offboardings all or none, then the dispatcher does
 * the work through the same convergeAccount as events; the report is built once from the plan and the outcomes.
 */
export async function reconcile(deps: Deps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const loginsBefore = (await deps.veeam()).stats.logins;
  const { plan, entries, plannedAt } = await planOrganization(deps, {
    ...(opts.accountIds ? { accountIds: opts.accountIds } : {}),
  });
  recordInScope(plan.accounts.filter((a) => a.action === 'ok' || a.action === 'register').length);

  const offboards = plan.accounts.filter((a) => a.action === 'offboard').map((a) => a.accountId);
  // OFFBOARD_MODE=retain removes nothing: no budget, and nothing to do for departed accounts, every run.
  const retain = deps.config.offboardMode === 'retain';
  const budget = retain ? undefined : await authorizeOffboardings(deps, offboards, opts);
  const guard = budget?.guard;
  const work = plan.accounts.filter(
    (a) => a.action !== 'skip' && !(a.action === 'offboard' && (retain || guard?.held)),
  );
  const state: StateStore | undefined = budget ? budget.state : deps.state;
  const { reports, enqueued } = await opts.dispatcher.dispatch(work, {
    deps: { ...deps, ...(state ? { state } : {}) },
    dryRun: opts.dryRun,
    plannedAt,
    entries: entriesByAccount(entries),
  });
  const report = buildReport(plan, reports, { dryRun: opts.dryRun, mode: opts.dispatcher.mode, enqueued, guard });
  if (!opts.dryRun)
    recordNotProtected(report.accounts.filter((a) => ('roles' in a ? unprotected(a) : a.foreign?.length)).length);
  // Organizations mode: the workers rescan; a fan-out run sweeps the marks a crashed one left (organization-rescan.ts).
  if (opts.dispatcher.mode === 'fan-out') await sweepOrganizationRescan(deps, opts.dryRun);
  await announceOffboardingHeld(deps, guard, opts.dryRun);
  report.veeamLogins = (await deps.veeam()).stats.logins - loginsBefore;
  return report;
}

/** In scope and known here not to be protected (a dry run: anything it would still change). */
const unprotected = (r: AccountReport) =>
  r.inScope && (r.action === 'error' || r.action === 'conflict' || (r.dryRun && r.action !== 'ok'));

function buildReport(
  plan: ReconcilePlan,
  reports: AccountReport[],
  run: { dryRun: boolean; mode: Dispatcher['mode']; enqueued: number; guard: OffboardGuard | undefined },
): ReconcileReport {
  const byAccount = new Map(reports.map((r) => [r.accountId, r]));
  const { guard } = run;
  // Held accounts stay in the report: out of scope, left as they are, with the reason and the way to confirm.
  const held = (a: PlannedAccount): AccountReport => ({
    accountId: a.accountId,
    inScope: false,
    scopeReason: a.reason,
    action: 'held',
    roles: [],
    dryRun: run.dryRun,
    held: guard!.reason!,
  });
  const accounts = plan.accounts.map(
    (a) => byAccount.get(a.accountId) ?? (guard?.held && a.action === 'offboard' ? held(a) : a),
  );
  const notProtected = accounts.flatMap((a) => {
    if (!('roles' in a)) return a.action === 'ok' ? [] : [{ accountId: a.accountId, reason: a.reason }];
    if (a.held) return [{ accountId: a.accountId, reason: `${a.scopeReason}; ${a.held}` }];
    if (!a.inScope) return [{ accountId: a.accountId, reason: a.scopeReason }];
    if (!unprotected(a)) return [];
    return [
      {
        accountId: a.accountId,
        reason: a.error?.message ?? (a.roles.flatMap((x) => x.changes).join('; ') || a.action),
      },
    ];
  });
  return {
    dryRun: run.dryRun,
    mode: run.mode,
    totals: countBy(accounts.map((a) => a.action)),
    accounts,
    notProtected,
    enqueued: run.enqueued,
    veeamLogins: 0,
    ...(guard ? { offboardGuard: guard } : {}),
  };
}

/**
 * Converges every account here with bounded concurrency (CLI, sandbox, the Lambda's dry runs of named accounts).
 * The plan has just read every account's scope and entries: convergence takes them instead of asking again.
 */
export function convergeInProcess(
  onProgress?: (p: { done: number; total: number; account: AccountReport }) => void,
): Dispatcher {
  return {
    mode: 'in-process',
    async dispatch(work, { deps, dryRun, entries }) {
      let done = 0;
      const reports = await mapLimit(work, deps.config.concurrency, async (a) => {
        const account = await convergeAccount(deps, a.accountId, {
          dryRun,
          reason: 'reconcile',
          known: {
            scope: { inScope: a.action !== 'offboard', reason: a.reason },
            entries: entries.get(a.accountId) ?? [],
          },
          organizationRescan: 'deferred',
        });
        onProgress?.({ done: ++done, total: work.length, account });
        return account;
      });
      // Organizations mode: ONE organization rescan for every account this run converged (organization-rescan.ts).
      return { reports: (await finishOrganizationRescan(deps, reports, { dryRun })).reports, enqueued: 0 };
    },
  };
}

/**
 * One message per account for the worker (the Lambda). Each carries what the plan read, so the worker skips those
 * reads while it is fresh; the worker reads the scope itself before it removes anything. A dry run enqueues nothing.
 */
export function enqueueForWorker(): Dispatcher {
  return {
    mode: 'fan-out',
    async dispatch(work, { deps, dryRun, plannedAt, entries }) {
      if (dryRun) return { reports: [], enqueued: 0 };
      // The Lambda checks ACCOUNT_QUEUE_URL before planning and wires the queue: without it this is a wiring bug.
      if (!deps.queue) throw new InvariantError('fan-out reconcile without the account queue (ACCOUNT_QUEUE_URL)');
      if (!work.length) return { reports: [], enqueued: 0 };
      await deps.queue.send(
        work.map((a) => ({
          accountId: a.accountId,
          action: 'sync' as const,
          reason: 'reconcile',
          plan: {
            plannedAt: plannedAt.toISOString(),
            inScope: a.action !== 'offboard',
            scopeReason: a.reason,
            entries: entries.get(a.accountId) ?? [],
          },
        })),
        { runId: deps.now().toISOString() },
      );
      return { reports: [], enqueued: work.length };
    },
  };
}

/**
 * The deployed reconcile's dispatcher: the worker does the work; a dry run of named accounts (or `deep`) converges
 * here without writing, for the full picture with IAM (the CLI's `status --stack`, `sync --stack --wait`).
 */
export function lambdaDispatcher(opts: { dryRun: boolean; accountIds?: string[]; deep?: boolean }): Dispatcher {
  return opts.dryRun && (opts.accountIds?.length || opts.deep) ? convergeInProcess() : enqueueForWorker();
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
