import type { PlannedAccountContext } from '../queue/types';
import type { ConvergeOptions } from './converge-account';

/**
 * How long a reconcile plan's reading of an account stays usable by the worker. Long enough for the queue of a first
 * install into 10,000 accounts to drain at the default worker concurrency (about 10 minutes); past it the worker reads
 * Organizations and Veeam itself. Within it, what could have changed is covered: an event about the account is queued
 * behind the plan's message in the account's FIFO group and reads afresh, and the entries are re-read by name anyway
 * (the plan only adds the ones under other names).
 */
export const PLAN_MAX_AGE_MS = 15 * 60_000;

/**
 * The plan's knowledge as convergence takes it, or undefined when there is none, it is stale (or from the future), or
 * it says the account is out of scope. A message only ever saves reads for an account to protect: whoever may send to
 * the account queue must not be able to have protection removed, so before anything is unregistered or deleted the
 * worker reads the scope from Organizations itself.
 */
export function knownFromPlan(plan: PlannedAccountContext | undefined, now: Date): ConvergeOptions['known'] {
  if (!plan?.inScope) return undefined;
  const age = now.getTime() - Date.parse(plan.plannedAt);
  if (!(age >= -60_000 && age <= PLAN_MAX_AGE_MS)) return undefined;
  return {
    scope: { inScope: true, reason: plan.scopeReason },
    entries: plan.entries,
    listedAt: new Date(plan.plannedAt),
  };
}
