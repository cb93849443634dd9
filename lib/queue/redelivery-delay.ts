/** First redelivery delay and its cap: a not-ready account is looked at again in seconds, then every 5 minutes. */
export const REDELIVERY_BASE_SECONDS = 10;
export const REDELIVERY_MAX_SECONDS = 300;

/**
 * Seconds until the next delivery of a message that could not proceed yet on its `receiveCount`-th receive (1-based):
 * 10, 20, 40, 80, 160, then 300. No jitter: the FIFO group already serializes one account, and accounts spread by
 * when their events arrived.
 */
export function redeliveryDelaySeconds(receiveCount: number): number {
  const n = Math.max(1, Math.floor(receiveCount) || 1);
  return Math.min(REDELIVERY_MAX_SECONDS, REDELIVERY_BASE_SECONDS * 2 ** Math.min(n - 1, 30));
}

/** Seconds from the first receive until the receive that dead-letters, when every earlier one was retried. */
export function retryWindowSeconds(maxReceiveCount: number): number {
  let total = 0;
  for (let n = 1; n < maxReceiveCount; n++) total += redeliveryDelaySeconds(n);
  return total;
}

/**
 * The one decision after a failed request: retried (with its delay) only when the failure is transient and the
 * queue has receives left; anything else is parked in the DLQ now, with its reason, instead of looping until the
 * queue's redrive gives up. On the last receive SQS would move the message without saying why: parked here too.
 */
export function afterFailure(
  failure: { retryable: boolean },
  receiveCount: number,
  maxReceiveCount: number,
): { retry: true; delaySeconds: number } | { retry: false } {
  return failure.retryable && receiveCount < maxReceiveCount
    ? { retry: true, delaySeconds: redeliveryDelaySeconds(receiveCount) }
    : { retry: false };
}
