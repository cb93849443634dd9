import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { describeError, RetryableError } from '../lib/errors';
import { logger } from '../lib/log';
import { countMetric, METRIC } from '../lib/metrics';
import type { delayRedelivery as DelayRedeliveryFn } from '../lib/queue/redelivery';
import { afterFailure } from '../lib/queue/redelivery-delay';
import { parseAccountRequest } from '../lib/queue/request';
import { queueUrls } from '../lib/queue/urls';
import { stsMemberAccess } from '../lib/member/member-access';
import { getService } from './service';
import { wrap } from './wrap';

type DelayRedelivery = typeof DelayRedeliveryFn;
type Failure = { code: string; message: string; retryable: boolean };

/** Must equal the queue's redrive maxReceiveCount (serverless.yml sets both from one parameter). */
function maxReceiveCount(): number {
  const n = Number(process.env.MAX_RECEIVE_COUNT);
  return Number.isInteger(n) && n > 0 ? n : 10;
}

/** Redelivery delay (seconds) per message group whose request could not proceed yet, for this batch. */
const retryDelays = new Map<string, number>();
const groupOf = (record: SQSRecord) => record.attributes.MessageGroupId ?? record.messageId;

/*
 * The worker sends to SQS only for a request that failed (park it in the DLQ, or delay its redelivery): the SQS client
 * is a chunk loaded then, not part of every cold start.
 */
async function deadLetter(record: SQSRecord, failure: Failure, receiveCount: number): Promise<void> {
  const { WORKER_DLQ_URL } = queueUrls(['WORKER_DLQ_URL']);
  const { sendToDeadLetter } = await import('../lib/queue/dead-letter');
  await sendToDeadLetter({
    queueUrl: WORKER_DLQ_URL,
    body: record.body,
    reason: {
      code: failure.code,
      message: `${failure.message} (receive ${receiveCount}, retryable: ${failure.retryable})`,
    },
    groupId: record.attributes.MessageGroupId ?? 'dead-letter',
    deduplicationId: record.messageId,
  });
  countMetric(METRIC.RequestsDeadLettered);
  logger.error('request sent to the worker DLQ', {
    messageId: record.messageId,
    code: failure.code,
    reason: failure.message,
  });
}

/**
 * One account request. Resolves when the message may be deleted (converged, or parked in the DLQ with its reason);
 * throws only to have it redelivered later, which is how a transient failure is retried.
 */
async function processRecord(record: SQSRecord): Promise<void> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
  let failure: Failure | undefined;
  try {
    const request = parseAccountRequest(record.body);
    logger.setCorrelationId(request.eventId ?? record.messageId);
    // Records of a FIFO batch run one at a time, so every line logged for this record names its account.
    logger.appendKeys({ accountId: request.accountId });
    // Every message enters a member account: member access is part of this bundle and of its cold start.
    const service = await getService({ memberAccess: stsMemberAccess });
    const report = await service.handle(request, { lastAttempt: receiveCount >= maxReceiveCount() });
    if (report.error) failure = report.error;
    else
      logger.info('account handled', { accountId: request.accountId, reason: request.reason, action: report.action });
  } catch (err) {
    failure = describeError(err);
  }
  if (!failure) return;
  const next = afterFailure(failure, receiveCount, maxReceiveCount());
  if (next.retry) {
    logger.warn('request will be retried', {
      messageId: record.messageId,
      receiveCount,
      code: failure.code,
      reason: failure.message,
    });
    retryDelays.set(groupOf(record), next.delaySeconds);
    throw new RetryableError(failure.message, { code: failure.code });
  }
  await deadLetter(record, failure, receiveCount);
}

const processor = new SqsFifoPartialProcessorAsync();

/**
 * FIFO batch with partial failures: a failed account fails only its own later messages (skipGroupOnError), never
 * the other accounts in the batch. A batch where everything failed is reported item by item rather than thrown, so
 * the Errors alarm means "the worker itself broke", not "an account is still settling".
 */
export async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  retryDelays.clear();
  const response = await processPartialResponse(event, processRecord, processor, {
    context,
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
  await shortenRedelivery(event, response);
  return response;
}

/**
 * A request that could not proceed yet (new account not assumable, access role not deployed, appliance busy) comes
 * back after 10 s, doubling to 5 minutes per receive, not after the 30-minute visibility timeout. The later messages
 * of its group that the batch skipped get the same delay: a FIFO group delivers nothing while one of them is
 * invisible. If the call fails, the visibility timeout still brings the message back: it is delayed, never lost.
 */
async function shortenRedelivery(event: SQSEvent, response: SQSBatchResponse): Promise<void> {
  if (!retryDelays.size) return;
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const records = event.Records.filter((r) => failed.has(r.messageId) && retryDelays.has(groupOf(r)));
  if (!records.length) return;
  let queueUrl: string;
  let delayRedelivery: DelayRedelivery;
  try {
    queueUrl = queueUrls(['ACCOUNT_QUEUE_URL']).ACCOUNT_QUEUE_URL;
    ({ delayRedelivery } = await import('../lib/queue/redelivery'));
  } catch (err) {
    logger.warn('redelivery delay not set: the visibility timeout applies', { error: describeError(err) });
    return;
  }
  await Promise.all(
    records.map(async (record) => {
      const delaySeconds = retryDelays.get(groupOf(record))!;
      try {
        await delayRedelivery({ queueUrl, receiptHandle: record.receiptHandle, delaySeconds });
        logger.info('request redelivery delayed', { messageId: record.messageId, delaySeconds });
      } catch (err) {
        logger.warn('redelivery delay not set: the visibility timeout applies', {
          messageId: record.messageId,
          error: describeError(err),
        });
      }
    }),
  );
}

export const handler = wrap(worker);
