import { createHash, randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
  type ChangeMessageVisibilityCommandInput,
  type SendMessageBatchCommandInput,
  type SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeMessage {
  messageId: string;
  queueUrl: string;
  body: string;
  groupId?: string;
  dedupId?: string;
  attributes: Record<string, MessageAttributeValue>;
  receiveCount: number;
  /** Epoch ms (the fake's clock) from which the message can be received: set by a receive or ChangeMessageVisibility. */
  visibleAt: number;
}

const DEDUP_WINDOW_MS = 5 * 60_000;

/**
 * Stateful SQS for tests and the sandbox: FIFO deduplication (5-minute window on MessageDeduplicationId) and
 * per-queue storage. `take` hands visible messages to a consumer as a Lambda event source mapping would, making them
 * invisible for the visibility timeout; `failed` puts them back with their receive count, to be received again when
 * they become visible: after the visibility timeout, or earlier when ChangeMessageVisibility said so. A FIFO group
 * with an invisible message delivers nothing of that group, as SQS does.
 */
export function installSqsFake(opts: { now?: () => number; visibilityTimeoutSeconds?: number } = {}) {
  const now = opts.now ?? Date.now;
  const visibilityTimeoutMs = (opts.visibilityTimeoutSeconds ?? 1800) * 1000;
  const queues = new Map<string, FakeMessage[]>();
  /** Received and not yet put back, by receipt handle (sim/lambda.ts names it rh-<messageId>). */
  const inFlight = new Map<string, FakeMessage>();
  const seen = new Map<string, number>();
  const stub = mockClient(SQSClient);
  let down = false;

  const accept = (
    queueUrl: string,
    entry: {
      MessageBody?: string;
      MessageGroupId?: string;
      MessageDeduplicationId?: string;
      MessageAttributes?: Record<string, MessageAttributeValue>;
    },
  ) => {
    if (down)
      throw Object.assign(new Error('Service unavailable'), {
        name: 'ServiceUnavailable',
        $metadata: { httpStatusCode: 503 },
      });
    const messageId = randomUUID();
    const md5 = createHash('md5')
      .update(entry.MessageBody ?? '')
      .digest('hex');
    const dedupId = entry.MessageDeduplicationId;
    const key = `${queueUrl}|${dedupId}`;
    if (dedupId && (seen.get(key) ?? -Infinity) > now() - DEDUP_WINDOW_MS)
      return { MessageId: messageId, MD5OfMessageBody: md5 };
    if (dedupId) seen.set(key, now());
    const list = queues.get(queueUrl) ?? [];
    list.push({
      messageId,
      queueUrl,
      body: entry.MessageBody ?? '',
      ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
      ...(dedupId ? { dedupId } : {}),
      attributes: entry.MessageAttributes ?? {},
      receiveCount: 0,
      visibleAt: now(),
    });
    queues.set(queueUrl, list);
    return { MessageId: messageId, MD5OfMessageBody: md5 };
  };

  stub.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => accept(input.QueueUrl!, input));
  stub.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, ...accept(input.QueueUrl!, e) })),
    Failed: [],
  }));

  stub.on(ChangeMessageVisibilityCommand).callsFake((input: ChangeMessageVisibilityCommandInput) => {
    const m = inFlight.get(input.ReceiptHandle ?? '');
    if (!m || m.queueUrl !== input.QueueUrl)
      throw Object.assign(new Error('The receipt handle has expired.'), {
        name: 'ReceiptHandleIsInvalid',
        $metadata: { httpStatusCode: 400 },
      });
    const seconds = input.VisibilityTimeout ?? 0;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      throw Object.assign(new Error(`VisibilityTimeout ${seconds} is not between 0 and 43200`), {
        name: 'InvalidParameterValue',
        $metadata: { httpStatusCode: 400 },
      });
    // Counted from now, not from the receive (as SQS documents).
    m.visibleAt = now() + seconds * 1000;
    return {};
  });

  return {
    stub,
    messages: (queueUrl: string) => queues.get(queueUrl) ?? [],
    /**
     * Removes up to `max` visible messages from the queue for delivery, bumping their receive count and hiding them
     * for the visibility timeout. Skips every message of a FIFO group that has an invisible one ahead of it.
     */
    take(queueUrl: string, max = 10): FakeMessage[] {
      const list = queues.get(queueUrl) ?? [];
      const t = now();
      const blocked = new Set<string>();
      const batch: FakeMessage[] = [];
      for (const m of list) {
        if (batch.length >= max) break;
        const group = m.groupId ?? m.messageId;
        if (m.visibleAt > t) blocked.add(group);
        else if (!blocked.has(group)) batch.push(m);
      }
      const taken = new Set(batch);
      queues.set(
        queueUrl,
        list.filter((m) => !taken.has(m)),
      );
      for (const m of batch) {
        m.receiveCount++;
        m.visibleAt = t + visibilityTimeoutMs;
        inFlight.set(`rh-${m.messageId}`, m);
      }
      return batch;
    },
    /** Puts messages back at the head of the queue; each is received again once visible (see `take`). */
    failed(messages: FakeMessage[]) {
      for (const m of messages) inFlight.delete(`rh-${m.messageId}`);
      const list = queues.get(messages[0]?.queueUrl ?? '') ?? [];
      list.unshift(...messages);
      if (messages[0]) queues.set(messages[0].queueUrl, list);
    },
    /** Processed: the event source mapping deletes them. */
    done(messages: FakeMessage[]) {
      for (const m of messages) inFlight.delete(`rh-${m.messageId}`);
    },
    /** When the next message of the queue becomes visible (epoch ms), or undefined when the queue is empty. */
    nextVisibleAt(queueUrl: string): number | undefined {
      const list = queues.get(queueUrl) ?? [];
      return list.length ? Math.min(...list.map((m) => m.visibleAt)) : undefined;
    },
    setDown(value: boolean) {
      down = value;
    },
    restore: () => stub.restore(),
  };
}
