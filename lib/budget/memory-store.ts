import type { StateStore, StoredItem } from '../state';

/**
 * The budget of one CLI run against an organization without the stack (no state table): lives as long as the run,
 * so a whole-organization reconcile keeps its per-run limit and nothing is shared with any other run.
 */
export class MemoryStateStore implements StateStore {
  private readonly items = new Map<string, { json: string; version: number }>();

  get<T>(key: string): Promise<StoredItem<T> | undefined> {
    const item = this.items.get(key);
    return Promise.resolve(item && { value: JSON.parse(item.json) as T, version: item.version });
  }

  put<T>(key: string, value: T, expectedVersion: number | undefined): Promise<boolean> {
    const item = this.items.get(key);
    if (item?.version !== expectedVersion) return Promise.resolve(false);
    this.items.set(key, { json: JSON.stringify(value), version: (expectedVersion ?? 0) + 1 });
    return Promise.resolve(true);
  }
}
