import { memoUntilFailure } from './memo-until-failure';

/** The names of P's methods that return a promise: the only ones a port can forward before its adapter exists. */
type AsyncMethodOf<P> = {
  [K in keyof P]: P[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof P];

/**
 * A port whose adapter is loaded (a dynamic import) and built on the first call of any of `methods`, once; every
 * later call reuses it. A failed load or build is forgotten, so the next call tries again rather than replaying the
 * error for the life of the container. Functions that seldom need an adapter keep its module (and its SDK client)
 * in a chunk their cold start does not load.
 */
export function lazyPort<P extends object>(methods: readonly AsyncMethodOf<P>[], load: () => Promise<P>): P {
  const adapter = memoUntilFailure(load);
  const port: Partial<Record<keyof P, unknown>> = {};
  for (const method of methods) {
    port[method] = async (...args: unknown[]): Promise<unknown> => {
      const target = await adapter.get();
      return (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    };
  }
  return port as P;
}
