/**
 * Caches a promise for the life of the container, so warm invocations reuse it, but forgets a failure so the next
 * call tries again instead of replaying the same error until the container is recycled. A load replaced by `reset()`
 * that fails later does not forget its successor.
 */
export function memoUntilFailure<T>(load: () => Promise<T>): { get: () => Promise<T>; reset: () => void } {
  let cached: Promise<T> | undefined;
  return {
    get() {
      if (!cached) {
        const p: Promise<T> = load().catch((err: unknown) => {
          if (cached === p) cached = undefined;
          throw err;
        });
        cached = p;
      }
      return cached;
    },
    reset() {
      cached = undefined;
    },
  };
}
