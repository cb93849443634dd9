import { backoffDelay } from '../util/backoff';
import { RetryableError } from '../errors';
import { sleep, type Sleep } from '../util/sleep';

export interface ThrottleRetryOptions {
  /** Extra tries after the SDK has given up; each one runs the SDK's own attempts again. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * No new round starts once this much time has passed since the first try. With maxAttempts 10 one SDK round can
   * itself wait about a minute (1 s throttling base, doubling, 20 s cap); the budget keeps a persistently
   * throttled call from outliving the Lambda that makes it.
   */
  budgetMs: number;
  sleep: Sleep;
  now: () => number;
  /** Injectable so tests get deterministic delays. */
  random: () => number;
}

export const DEFAULT_THROTTLE_RETRY: ThrottleRetryOptions = {
  attempts: 4,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  budgetMs: 60_000,
  sleep,
  now: Date.now,
  random: Math.random,
};

/**
 * Organizations says "slow down" in two ways: TooManyRequestsException (which @smithy's standard retry already
 * classifies as THROTTLING, by name and by its 429 status) and, for a parallel request on the same resource,
 * ConcurrentModificationException (not classified by the SDK, HTTP 409).
 */
function isOrgThrottle(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TooManyRequestsException' || err.name === 'ConcurrentModificationException') return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 429;
}

/**
 * The SDK's standard retry stops after maxAttempts, and earlier when its client-wide retry quota is drained
 * (500 tokens, 5 per throttled retry: about 100 throttled retries per container), which is exactly what a
 * 10,000-account walk under throttling does. This outer loop waits longer than the SDK would (full jitter,
 * seconds not milliseconds) so the quota refills, then turns a persistent throttle into a RetryableError so the
 * caller's queue retries later instead of failing the account.
 */
export async function withThrottleRetry<T>(
  operation: string,
  call: () => Promise<T>,
  options: ThrottleRetryOptions = DEFAULT_THROTTLE_RETRY,
): Promise<T> {
  const started = options.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isOrgThrottle(err)) throw err;
      if (attempt >= options.attempts || options.now() - started >= options.budgetMs) {
        throw new RetryableError(
          `AWS Organizations kept throttling ${operation} after ${attempt + 1} rounds of retries; try again later.`,
          { cause: err, code: 'OrganizationsThrottled' },
        );
      }
      await options.sleep(backoffDelay(options, attempt + 1, options.random));
    }
  }
}
