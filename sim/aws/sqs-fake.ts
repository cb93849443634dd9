import { createHash, randomUUID } from 'node:crypto';
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
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
}

const DEDUP_WINDOW_MS = 5 * 60_000;

/**
 * Stateful SQS for tests and the sandbox: FIFO deduplication (5-minute window on MessageDeduplicationId) and
 * per-queue storage. `take` hands messages to a consumer as a Lambda event source mapping would; `failed`
 * puts them back with a higher receive count (the visibility timeout expiring).
 */
export function installSqsFake(opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  const queues = new Map<string, FakeMessage[]>();
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
    });
    queues.set(queueUrl, list);
    return { MessageId: messageId, MD5OfMessageBody: md5 };
  };

  stub.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => accept(input.QueueUrl!, input));
  stub.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, ...accept(input.QueueUrl!, e) })),
    Failed: [],
  }));

  return {
    stub,
    messages: (queueUrl: string) => queues.get(queueUrl) ?? [],
    /** Removes up to `max` messages from the queue for delivery, bumping their receive count. */
    take(queueUrl: string, max = 10): FakeMessage[] {
      const list = queues.get(queueUrl) ?? [];
      const batch = list.splice(0, max);
      for (const m of batch) m.receiveCount++;
      return batch;
    },
    /** Puts messages back at the head of the queue, as an expired visibility timeout would. */
    failed(messages: FakeMessage[]) {
      const list = queues.get(messages[0]?.queueUrl ?? '') ?? [];
      list.unshift(...messages);
      if (messages[0]) queues.set(messages[0].queueUrl, list);
    },
    setDown(value: boolean) {
      down = value;
    },
    restore: () => stub.restore(),
  };
}
