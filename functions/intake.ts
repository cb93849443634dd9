import { classifyEvent } from '../lib/intake/classify';
import { logger } from '../lib/log';
import { countMetric, METRIC } from '../lib/metrics';
import { sendToDeadLetter } from '../lib/queue/dead-letter';
import { SqsAccountQueue } from '../lib/queue/sqs-queue';
import { queueUrls } from '../lib/queue/urls';
import { wrap } from './wrap';

export type IntakeResult =
  | { outcome: 'enqueued'; accountId: string; eventId?: string }
  | { outcome: 'ignored'; why: string }
  | { outcome: 'rejected'; reason: string };

let queue: SqsAccountQueue | undefined;

/**
 * EventBridge → account queue. Returns normally for anything it has dealt with, including a malformed event (parked
 * in the intake DLQ with its reason: retrying cannot fix it). It throws only when a queue is unreachable, so Lambda's
 * async retries and then the on-failure destination take over.
 */
export async function intake(event: unknown): Promise<IntakeResult> {
  const urls = queueUrls(['ACCOUNT_QUEUE_URL', 'INTAKE_DLQ_URL']);
  const result = classifyEvent(event);
  switch (result.kind) {
    case 'request': {
      const { request } = result;
      if (request.eventId) logger.setCorrelationId(request.eventId);
      queue ??= new SqsAccountQueue(urls.ACCOUNT_QUEUE_URL);
      await queue.send([request]);
      countMetric(METRIC.EventsEnqueued);
      logger.info('account request enqueued', {
        accountId: request.accountId,
        reason: request.reason,
        eventId: request.eventId,
      });
      return {
        outcome: 'enqueued',
        accountId: request.accountId,
        ...(request.eventId ? { eventId: request.eventId } : {}),
      };
    }
    case 'ignored':
      logger.debug('event ignored', { why: result.why });
      return { outcome: 'ignored', why: result.why };
    case 'invalid':
      logger.warn('malformed event sent to the intake DLQ', { reason: result.reason });
      await sendToDeadLetter({
        queueUrl: urls.INTAKE_DLQ_URL,
        body: JSON.stringify(event ?? null),
        reason: { code: 'InvalidEvent', message: result.reason },
      });
      countMetric(METRIC.EventsRejected);
      return { outcome: 'rejected', reason: result.reason };
  }
}

export const handler = wrap(intake);
