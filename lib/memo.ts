/**
 * Caches a promise for the life of the container, so warm invocations reuse it, but forgets a failure so the next
 * call tries again instead of replaying the same error until the container is recycled.
 */
export function memoUntilFailure<T>(load: () => Promise<T>): { get: () => Promise<T>; reset: () => void } {
  let cached: Promise<T> | undefined;
  return {
    get() {
      cached ??= load().catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
      return cached;
    },
    reset() {
      cached = undefined;
    },
  };
}
