import { updateState, type StateDecision, type StateStore } from '../state';

/**
 * The one offboarding budget every path draws from (reconcile in the Lambda or the CLI, the worker's account
 * requests, `sync`, `event`, a direct invoke): at most `limit` (OFFBOARD_MAX_PER_RUN) accounts offboarded per rolling
 * BUDGET_WINDOW_MS, plus the accounts an operator confirmed by name (`reconcile --allow-offboard N`). One item in the
 * state table, written by compare-and-write, so concurrent workers never both take the last unit.
 */
export const OFFBOARD_BUDGET_KEY = 'offboard-budget';
export const BUDGET_WINDOW_MS = 24 * 3_600_000;
/**
 * How long an operator's confirmation stays usable: long enough for the account queue to drain (minutes) and for
 * the worker's retries of a transient failure (about 25 minutes) to finish, short enough that a confirmation given
 * today is not a standing licence.
 */
export const GRANT_LIFETIME_MS = 3_600_000;

export interface OffboardGrant {
  /** The accounts the operator confirmed (the run's list); nothing else is covered. */
  accounts: string[];
  grantedAt: string;
  until: string;
}

/** The stored item. */
export interface OffboardBudget {
  /** Account id -> when its unit was taken (ISO). Counted against the limit for BUDGET_WINDOW_MS. */
  taken: Record<string, string>;
  grants: OffboardGrant[];
}

/** Why an offboarding may go ahead: a unit it already holds, a new unit, or an operator's grant naming it. */
export type Permit = 'holds-unit' | 'unit' | 'grant';

export type TakeVerdict =
  { allowed: true; permit: Permit } | { allowed: false; used: number; limit: number; resetsAt?: string };

export interface RunVerdict {
  held: boolean;
  /** Accounts this run would offboard. */
  wouldOffboard: number;
  /** Of those, how many need a new unit or a grant (the others already hold one). */
  need: number;
  /** Units taken in the window before this run, and the limit. */
  used: number;
  limit: number;
  /** How the run was allowed: units of the budget, or a grant the operator confirmed. */
  permit?: 'unit' | 'grant' | 'holds-unit';
  accounts: string[];
}

/** What `status` shows: the window as it stands. */
export interface BudgetView {
  used: number;
  limit: number;
  windowHours: number;
  taken: Array<{ accountId: string; at: string; until: string }>;
  grants: OffboardGrant[];
}

/** The stored value with everything past its time dropped. */
export function prune(value: OffboardBudget | undefined, now: Date): OffboardBudget {
  const since = now.getTime() - BUDGET_WINDOW_MS;
  const taken: Record<string, string> = {};
  for (const [id, at] of Object.entries(value?.taken ?? {})) if (Date.parse(at) > since) taken[id] = at;
  const grants = (value?.grants ?? []).filter((g) => Date.parse(g.until) > now.getTime());
  return { taken, grants };
}

/** The item may expire once nothing in it counts any more (the table's TTL keeps it small). */
function expiry(b: OffboardBudget): Date | undefined {
  const times = [
    ...Object.values(b.taken).map((at) => Date.parse(at) + BUDGET_WINDOW_MS),
    ...b.grants.map((g) => Date.parse(g.until)),
  ];
  return times.length ? new Date(Math.max(...times)) : undefined;
}

const granted = (b: OffboardBudget, accountId: string) => b.grants.some((g) => g.accounts.includes(accountId));

function write(b: OffboardBudget): Pick<StateDecision<OffboardBudget, never>, 'next' | 'expiresAt'> {
  const expiresAt = expiry(b);
  return { next: b, ...(expiresAt ? { expiresAt } : {}) };
}

/**
 * One account about to be offboarded. Free when it already holds a unit in the window (a retry after a crash, the
 * worker after the reconcile that reserved it) or an unexpired grant names it; else a new unit while the window has
 * one left; else held.
 */
export function decideTake(
  current: OffboardBudget | undefined,
  req: { accountId: string; now: Date; limit: number },
): StateDecision<OffboardBudget, TakeVerdict> {
  const b = prune(current, req.now);
  if (b.taken[req.accountId]) return { result: { allowed: true, permit: 'holds-unit' } };
  if (granted(b, req.accountId)) return { result: { allowed: true, permit: 'grant' } };
  const used = Object.keys(b.taken).length;
  if (used >= req.limit) {
    const oldest = Object.values(b.taken).sort()[0];
    const resetsAt = oldest ? new Date(Date.parse(oldest) + BUDGET_WINDOW_MS).toISOString() : undefined;
    return { result: { allowed: false, used, limit: req.limit, ...(resetsAt ? { resetsAt } : {}) } };
  }
  const next = { ...b, taken: { ...b.taken, [req.accountId]: req.now.toISOString() } };
  return { ...write(next), result: { allowed: true, permit: 'unit' } };
}

/**
 * A reconcile's offboardings, all or none: an operator's confirmation (`allowOffboard` at least the accounts still
 * needing a unit) writes a grant naming exactly them; otherwise they take units when the window has enough for all;
 * otherwise the run offboards none of them (a wrongly configured scope makes many accounts look departed at once).
 */
export function decideRun(
  current: OffboardBudget | undefined,
  req: { accounts: string[]; now: Date; limit: number; allowOffboard?: number },
): StateDecision<OffboardBudget, RunVerdict> {
  const b = prune(current, req.now);
  const need = req.accounts.filter((id) => !b.taken[id] && !granted(b, id));
  const used = Object.keys(b.taken).length;
  const verdict = (held: boolean, permit?: RunVerdict['permit']): RunVerdict => ({
    held,
    wouldOffboard: req.accounts.length,
    need: need.length,
    used,
    limit: req.limit,
    ...(permit ? { permit } : {}),
    accounts: req.accounts,
  });
  if (need.length === 0) return { result: verdict(false, req.accounts.length ? 'holds-unit' : undefined) };
  if (req.allowOffboard !== undefined && need.length <= req.allowOffboard) {
    const until = new Date(req.now.getTime() + GRANT_LIFETIME_MS).toISOString();
    const grant: OffboardGrant = { accounts: need, grantedAt: req.now.toISOString(), until };
    return { ...write({ ...b, grants: [...b.grants, grant] }), result: verdict(false, 'grant') };
  }
  if (used + need.length <= req.limit) {
    const taken = { ...b.taken };
    for (const id of need) taken[id] = req.now.toISOString();
    return { ...write({ ...b, taken }), result: verdict(false, 'unit') };
  }
  return { result: verdict(true) };
}

export function viewBudget(current: OffboardBudget | undefined, now: Date, limit: number): BudgetView {
  const b = prune(current, now);
  return {
    used: Object.keys(b.taken).length,
    limit,
    windowHours: BUDGET_WINDOW_MS / 3_600_000,
    taken: Object.entries(b.taken)
      .map(([accountId, at]) => ({
        accountId,
        at,
        until: new Date(Date.parse(at) + BUDGET_WINDOW_MS).toISOString(),
      }))
      .sort((x, y) => x.at.localeCompare(y.at)),
    grants: b.grants,
  };
}

/** Takes (or re-uses) the unit of one account; `dryRun` decides without writing. */
export function takeOffboarding(
  store: StateStore,
  req: { accountId: string; now: Date; limit: number; dryRun?: boolean },
): Promise<TakeVerdict> {
  return req.dryRun
    ? peek(store, (v) => decideTake(v, req).result)
    : updateState(store, OFFBOARD_BUDGET_KEY, (v: OffboardBudget | undefined) => decideTake(v, req));
}

/** Decides a reconcile's offboardings at once (see decideRun); `dryRun` decides without writing. */
export function authorizeRun(
  store: StateStore,
  req: { accounts: string[]; now: Date; limit: number; allowOffboard?: number; dryRun?: boolean },
): Promise<RunVerdict> {
  return req.dryRun
    ? peek(store, (v) => decideRun(v, req).result)
    : updateState(store, OFFBOARD_BUDGET_KEY, (v: OffboardBudget | undefined) => decideRun(v, req));
}

export async function readBudget(store: StateStore, now: Date, limit: number): Promise<BudgetView> {
  return viewBudget((await store.get<OffboardBudget>(OFFBOARD_BUDGET_KEY))?.value, now, limit);
}

async function peek<R>(store: StateStore, decide: (v: OffboardBudget | undefined) => R): Promise<R> {
  return decide((await store.get<OffboardBudget>(OFFBOARD_BUDGET_KEY))?.value);
}

export { MemoryStateStore } from './memory-store';
