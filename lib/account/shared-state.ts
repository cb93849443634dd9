import type { Deps } from '../deps';
import type { StateStore } from '../state';
import { MemoryStateStore } from '../state/memory-store';

const memoryStores = new WeakMap<object, StateStore>();

/**
 * The stack's state table, or (no STATE_TABLE_NAME: the CLI in-process without the stack) one store in memory per
 * configuration, i.e. per CLI run or container: what a run shares (one rescan, what it announced) holds within it.
 */
export function sharedState(deps: Pick<Deps, 'state' | 'config'>): StateStore {
  if (deps.state) return deps.state;
  let store = memoryStores.get(deps.config);
  if (!store) memoryStores.set(deps.config, (store = new MemoryStateStore()));
  return store;
}
