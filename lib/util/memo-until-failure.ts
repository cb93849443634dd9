/**
 * Caches a promise for the life of the container, so warm invocations reuse it, but forgets a failure so the next
 * call tries again instead of replaying the same error until the container is recycled. `refresh` replaces the
 * cached value with a new load (optionally from another loader); a replaced load that fails later does not forget
 * its successor.
 */
export function memoUntilFailure<T>(load: () => Promise<T>) {
  let cached: Promise<T> | undefined;
  const start = (loader: () => Promise<T>): Promise<T> => {
    const p: Promise<T> = loader().catch((err: unknown) => {
      if (cached === p) cached = undefined;
      throw err;
    });
    cached = p;
    return p;
  };
  return {
    get: (): Promise<T> => cached ?? start(load),
    refresh: (loader: () => Promise<T> = load): Promise<T> => start(loader),
    reset(): void {
      cached = undefined;
    },
  };
}
