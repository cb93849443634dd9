/**
 * A little durable state shared by every function, the CLI and every concurrent worker: the offboarding budget, the
 * pending organization rescan, what was already announced. One item per key, each with a version that every write
 * must name (compare-and-write), so two writers never both win.
 */
export interface StoredItem<T> {
  value: T;
  /** Starts at 1 and grows by one with every write. */
  version: number;
}

export interface StateStore {
  /** Strongly consistent: a read after a successful write sees that write. */
  get<T>(key: string): Promise<StoredItem<T> | undefined>;
  /**
   * Writes `value` only if the item is still at `expectedVersion` (undefined: only if there is no item). Returns false,
   * writing nothing, when another writer got there first; the caller re-reads and decides again.
   */
  put<T>(key: string, value: T, expectedVersion: number | undefined, opts?: { expiresAt?: Date }): Promise<boolean>;
}
