/** The two numbers exponential backoff needs; retry policies add their own limits (attempts, budgets). */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * "Full jitter" for the 1-based `attempt`: a random wait up to min(maxDelayMs, baseDelayMs * 2^(attempt-1)). Spreads
 * the retries of many concurrent workers instead of synchronising them on the service they wait for.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}
