import {
  authorizeRun,
  MemoryStateStore,
  OFFBOARD_BUDGET_KEY,
  viewBudget,
  type BudgetView,
  type OffboardBudget,
  type RunVerdict,
} from '../budget';
import type { Deps } from '../deps';
import type { StateStore } from '../state';
import { confirmCommand } from '../account/offboarding-held';

/**
 * A reconcile's offboardings as the budget decided them, all or none: `held` means none was offboarded, and every
 * one is reported with `reason` (the setting to change, the confirmation to give).
 */
export interface OffboardGuard extends RunVerdict {
  /** shared: the stack's state table, counted with every other path; run: this run only (no state table). */
  budget: 'shared' | 'run';
  reason?: string;
  /** Dry runs (status): the window as it stood before this run, grants included. */
  window?: BudgetView;
}

/**
 * Decides the offboardings of one reconcile against the offboarding budget and returns the store the dispatched
 * accounts draw from (their own draw is then free: they hold a unit or a grant). A real run with the state table
 * writes there. A dry run decides on a copy, so the accounts it converges see the budget the run would leave.
 * Without a state table (CLI in-process against an organization without the stack) the budget is the run's own: the
 * whole organization keeps the per-run limit, while named accounts (`--account`) need the operator's
 * `--allow-offboard`, as a single-account run has no budget to draw from.
 */
export async function authorizeOffboardings(
  deps: Deps,
  accounts: string[],
  opts: { dryRun: boolean; accountIds?: string[]; allowOffboard?: number },
): Promise<{ guard: OffboardGuard; state: StateStore }> {
  const shared = deps.state;
  const named = (opts.accountIds?.length ?? 0) > 0;
  const limit = shared || !named ? deps.config.offboardMaxPerRun : 0;
  let state: StateStore;
  let window: BudgetView | undefined;
  if (shared && !opts.dryRun) state = shared;
  else {
    state = new MemoryStateStore();
    const current = shared ? await shared.get<OffboardBudget>(OFFBOARD_BUDGET_KEY) : undefined;
    if (current) await state.put(OFFBOARD_BUDGET_KEY, current.value, undefined);
    window = viewBudget(current?.value, deps.now(), limit);
  }
  const verdict: RunVerdict = accounts.length
    ? await authorizeRun(state, {
        accounts,
        now: deps.now(),
        limit,
        ...(opts.allowOffboard !== undefined ? { allowOffboard: opts.allowOffboard } : {}),
      })
    : { held: false, wouldOffboard: 0, need: 0, used: 0, limit, accounts };
  const guard: OffboardGuard = { ...verdict, budget: shared ? 'shared' : 'run', ...(window ? { window } : {}) };
  if (verdict.held) guard.reason = heldReason(guard, opts.accountIds);
  return { guard, state };
}

function heldReason(g: OffboardGuard, accountIds: string[] | undefined): string {
  const named = (accountIds?.length ?? 0) > 0;
  const confirm = `\`${confirmCommand(g.wouldOffboard, accountIds)}\``;
  const budget =
    g.budget === 'shared'
      ? `the offboarding budget allows ${g.limit} per 24 hours and ${g.used} ${g.used === 1 ? 'is' : 'are'} used`
      : named
        ? 'no offboarding budget is configured here (no state table, STATE_TABLE_NAME unset), so named accounts are offboarded only with --allow-offboard'
        : `that is more than ${g.limit} per run`;
  return (
    `offboarding held: this run would offboard ${g.wouldOffboard} account${g.wouldOffboard === 1 ? '' : 's'} and ` +
    `${budget} (OFFBOARD_MAX_PER_RUN, stack parameter offboardMaxPerRun), so none was offboarded. If SCOPE_OU_IDS or ` +
    `EXCLUDED_ACCOUNT_IDS changed by mistake, fix it; if intended, confirm once with ${confirm} (add --stack NAME ` +
    'for the deployed stack) or raise offboardMaxPerRun'
  );
}
