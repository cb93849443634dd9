import { createHash } from 'node:crypto';
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mapLimit } from '../util/map-limit';
import { RetryableError } from '../errors';
import { sqsClient } from '../aws/sqs-client';
import { sleep, type Sleep } from '../util/sleep';
import type { AccountQueue, AccountRequest } from './types';

const BATCH_LIMIT = 10; // SendMessageBatch maximum
/**
 * SendMessageBatch calls in flight. A FIFO queue takes 300 calls/s per API action (without high throughput mode);
 * at SQS's usual 10-20 ms round trip, 4 stays below that.
 */
const SEND_CONCURRENCY = 4;
/** SQS FIFO deduplicates within 5 minutes; requests without an event id are bucketed to that window. */
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const RETRY_DELAYS_MS = [100, 400];

export interface SqsAccountQueueOptions {
  client?: SQSClient;
  now?: () => number;
  sleep?: Sleep;
}

/** SQS allows 1–128 characters of alphanumerics and punctuation; anything longer or odder is hashed. */
function safeDedupId(raw: string): string {
  const cleaned = raw.replace(/[^\x21-\x7e]/g, '_');
  return cleaned.length <= 128 ? cleaned : createHash('sha256').update(raw).digest('hex');
}

/**
 * The same CloudTrail event delivered twice must be processed once, so event-driven requests dedupe on the event
 * id; a run (reconcile, rotation) dedupes per account within itself; anything else per account within the current
 * 5-minute window.
 */
export function deduplicationId(req: AccountRequest, nowMs: number, runId?: string): string {
  if (req.eventId) return safeDedupId(req.eventId);
  const scope = runId ?? String(Math.floor(nowMs / DEDUP_WINDOW_MS));
  const action = req.action === 'rotate' ? `rotate${req.force ? '-force' : ''}-` : '';
  return safeDedupId(`${action}${req.reason}-${req.accountId}-${scope}`);
}

/**
 * The account queue over SQS FIFO: one message group per account serializes work on an account while different
 * accounts run in parallel.
 */
export class SqsAccountQueue implements AccountQueue {
  private readonly client: SQSClient;
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(
    private readonly queueUrl: string,
    options: SqsAccountQueueOptions = {},
  ) {
    this.client = options.client ?? sqsClient();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  async send(requests: AccountRequest[], opts: { runId?: string } = {}): Promise<void> {
    const now = this.now();
    const batches: SendMessageBatchRequestEntry[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
      batches.push(
        requests.slice(i, i + BATCH_LIMIT).map((req, n): SendMessageBatchRequestEntry => ({
          Id: String(n),
          MessageBody: JSON.stringify(req),
          MessageGroupId: req.accountId,
          MessageDeduplicationId: deduplicationId(req, now, opts.runId),
        })),
      );
    }
    // Batches are independent (one message per account and run; order only matters within a message group), so a
    // few go out at once: 10,000 accounts are 1,000 calls, which one at a time is ~10 s of round trips.
    // A call that throws (SQS down, access denied) stops the batches not yet started, as the sequential loop did.
    let error: { err: unknown } | undefined;
    const results = await mapLimit(batches, SEND_CONCURRENCY, async (entries) => {
      if (error) return [];
      try {
        return await this.sendBatch(entries);
      } catch (err) {
        error ??= { err };
        return [];
      }
    });
    if (error) throw error.err;
    const failures = results.flat();
    if (failures.length) {
      throw new RetryableError(`could not enqueue ${failures.length} account request(s): ${failures.join('; ')}`, {
        code: 'EnqueueFailed',
      });
    }
  }

  /** SendMessageBatch can fail per entry while the call succeeds: retry those entries; returns what still failed. */
  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<string[]> {
    let pending = entries;
    let failures: { id: string; code: string; message: string; senderFault: boolean }[] = [];
    for (let attempt = 0; ; attempt++) {
      const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      failures = (out.Failed ?? []).map((f) => ({
        id: f.Id ?? '',
        code: f.Code ?? 'Unknown',
        message: f.Message ?? '',
        senderFault: f.SenderFault ?? false,
      }));
      // A sender fault is a malformed entry: sending it again cannot succeed.
      const retriable = failures.filter((f) => !f.senderFault).map((f) => f.id);
      const delay = RETRY_DELAYS_MS[attempt];
      if (retriable.length === 0 || delay === undefined) break;
      await this.sleep(delay);
      pending = pending.filter((e) => retriable.includes(e.Id ?? ''));
    }
    const byId = new Map(entries.map((e) => [e.Id, e.MessageGroupId]));
    return failures.map((f) => `${byId.get(f.id) ?? f.id}: ${f.code} ${f.message}`.trim());
  }
}

/** The account queue built at once (reconcile and rotate bundle it: they send on every run). */
export const sqsAccountQueue = (queueUrl: string): AccountQueue => new SqsAccountQueue(queueUrl);
