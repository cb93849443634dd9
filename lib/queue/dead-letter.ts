import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqsClient } from '../aws/sqs-client';

export interface DeadLetter {
  queueUrl: string;
  /** The original payload, unchanged, so it can be inspected and redriven. */
  body: string;
  reason: { code: string; message: string };
  /** FIFO only: keep the original group (the account) so a redrive keeps per-account order. */
  groupId?: string;
  /** FIFO only: the original message id makes a repeated dead-lettering of the same message a no-op. */
  deduplicationId?: string;
}

// SQS caps one attribute value with the whole message at 256 KiB; a reason never needs more than this.
const MAX_REASON_CHARS = 4096;

/**
 * Parks a message in a DLQ with the reason as message attributes (ERROR_CODE / ERROR_MESSAGE, the names EventBridge
 * uses for its own DLQ), so every DLQ of the service explains itself the same way.
 */
export async function sendToDeadLetter(letter: DeadLetter, client: SQSClient = sqsClient()): Promise<void> {
  const fifo = letter.queueUrl.endsWith('.fifo');
  await client.send(
    new SendMessageCommand({
      QueueUrl: letter.queueUrl,
      MessageBody: letter.body,
      MessageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: letter.reason.code || 'Unknown' },
        ERROR_MESSAGE: {
          DataType: 'String',
          StringValue: (letter.reason.message || '(no message)').slice(0, MAX_REASON_CHARS),
        },
      },
      ...(fifo
        ? {
            MessageGroupId: letter.groupId ?? 'dead-letter',
            MessageDeduplicationId: letter.deduplicationId ?? createHash('sha256').update(letter.body).digest('hex'),
          }
        : {}),
    }),
  );
}
