import type { StateStore, StoredItem } from './types';

/**
 * The state port held in this process only: where no state table is configured (the CLI in-process without the
 * stack), what one run shares (one organization rescan for the accounts it converged) still works within it.
 */
export class MemoryStateStore implements StateStore {
  private readonly items = new Map<string, StoredItem<unknown>>();

  get<T>(key: string): Promise<StoredItem<T> | undefined> {
    const item = this.items.get(key) as StoredItem<T> | undefined;
    return Promise.resolve(item ? { value: structuredClone(item.value), version: item.version } : undefined);
  }

  put<T>(key: string, value: T, expectedVersion: number | undefined): Promise<boolean> {
    const current = this.items.get(key);
    if (current?.version !== expectedVersion) return Promise.resolve(false);
    this.items.set(key, { value: structuredClone(value), version: (current?.version ?? 0) + 1 });
    return Promise.resolve(true);
  }
}
