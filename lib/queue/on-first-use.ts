import { memoUntilFailure } from '../util/memo-until-failure';
import type { AccountQueue } from './types';

/**
 * The account queue whose SQS code loads with the first send. The worker never fans out through it, so its cold start
 * skips that code; reconcile and rotate, which send on every run, pass the SqsAccountQueue they bundle instead.
 */
export function sqsQueueOnFirstUse(queueUrl: string): AccountQueue {
  const queue = memoUntilFailure(async () => new (await import('./sqs-queue')).SqsAccountQueue(queueUrl));
  return { send: async (requests, opts) => (await queue.get()).send(requests, opts) };
}
