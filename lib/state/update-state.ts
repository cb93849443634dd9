import { StateContentionError } from './errors';
import type { StateStore } from './types';

/** What one decision over the current value does: write `next` (or nothing) and give the caller `result`. */
export interface StateDecision<T, R> {
  next?: T;
  result: R;
  expiresAt?: Date;
}

/**
 * Read, decide, write if still unchanged; on a lost race decide again on what the winner wrote. `decide` is pure and
 * may run several times. A decision without `next` writes nothing and returns at once.
 */
export async function updateState<T, R>(
  store: StateStore,
  key: string,
  decide: (current: T | undefined) => StateDecision<T, R>,
  attempts = 8,
): Promise<R> {
  for (let i = 0; i < attempts; i++) {
    const item = await store.get<T>(key);
    const d = decide(item?.value);
    if (d.next === undefined) return d.result;
    const opts = d.expiresAt ? { expiresAt: d.expiresAt } : undefined;
    if (await store.put(key, d.next, item?.version, opts)) return d.result;
  }
  throw new StateContentionError(key, attempts);
}
