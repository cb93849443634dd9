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

/** The plan's knowledge as convergence takes it, or undefined when there is none or it is stale (or from the future). */
export function knownFromPlan(plan: PlannedAccountContext | undefined, now: Date): ConvergeOptions['known'] {
  if (!plan) return undefined;
  const age = now.getTime() - Date.parse(plan.plannedAt);
  if (!(age >= -60_000 && age <= PLAN_MAX_AGE_MS)) return undefined;
  return {
    scope: { inScope: plan.inScope, reason: plan.scopeReason },
    entries: plan.entries,
    listedAt: new Date(plan.plannedAt),
  };
}
