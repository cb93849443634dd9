import type { BackoffPolicy } from '../util/backoff';

/** The appliance's retry policy; the delays themselves come from lib/backoff's `backoffDelay`. */
export interface RetryPolicy extends BackoffPolicy {
  /** Total attempts for one request (network errors, 5xx, 429). */
  maxAttempts: number;
  /** A Retry-After longer than this is not waited for in-process: the error goes back to the queue instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
