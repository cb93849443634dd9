import { createHash } from 'node:crypto';
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { RetryableError } from '../errors';
import { sqsClient } from './sqs-client';
import type { AccountQueue, AccountRequest } from './types';

const BATCH_LIMIT = 10; // SendMessageBatch maximum
/** SQS FIFO deduplicates within 5 minutes; requests without an event id are bucketed to that window. */
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const RETRY_DELAYS_MS = [100, 400];

export interface SqsAccountQueueOptions {
  client?: SQSClient;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** SQS allows 1–128 characters of alphanumerics and punctuation; anything longer or odder is hashed. */
function safeDedupId(raw: string): string {
  const cleaned = raw.replace(/[^\x21-\x7e]/g, '_');
  return cleaned.length <= 128 ? cleaned : createHash('sha256').update(raw).digest('hex');
}

/**
 * The same CloudTrail event delivered twice must be processed once, so event-driven requests dedupe on the event
 * id; scheduled ones (reconcile, rotation) dedupe per account within the current window, so two overlapping runs
 * enqueue an account once.
 */
export function deduplicationId(req: AccountRequest, nowMs: number): string {
  if (req.eventId) return safeDedupId(req.eventId);
  const bucket = Math.floor(nowMs / DEDUP_WINDOW_MS);
  const action = req.action === 'rotate' ? `rotate${req.force ? '-force' : ''}-` : '';
  return safeDedupId(`${action}${req.reason}-${req.accountId}-${bucket}`);
}

/**
 * The account queue over SQS FIFO: one message group per account serializes work on an account while different
 * accounts run in parallel.
 */
export class SqsAccountQueue implements AccountQueue {
  private readonly client: SQSClient;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly queueUrl: string,
    options: SqsAccountQueueOptions = {},
  ) {
    this.client = options.client ?? sqsClient();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async send(requests: AccountRequest[]): Promise<void> {
    const now = this.now();
    for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
      const entries = requests.slice(i, i + BATCH_LIMIT).map(
        (req, n): SendMessageBatchRequestEntry => ({
          Id: String(n),
          MessageBody: JSON.stringify(req),
          MessageGroupId: req.accountId,
          MessageDeduplicationId: deduplicationId(req, now),
        }),
      );
      await this.sendBatch(entries);
    }
  }

  /** SendMessageBatch can fail per entry while the call succeeds: retry those entries, then give up loudly. */
  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
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
    if (failures.length) {
      const byId = new Map(entries.map((e) => [e.Id, e.MessageGroupId]));
      const detail = failures.map((f) => `${byId.get(f.id) ?? f.id}: ${f.code} ${f.message}`.trim()).join('; ');
      throw new RetryableError(`could not enqueue ${failures.length} account request(s): ${detail}`, { code: 'EnqueueFailed' });
    }
  }
}
