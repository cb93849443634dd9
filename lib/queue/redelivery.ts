import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from '../aws/sqs-client';

/**
 * Makes a received message visible again after `delaySeconds` instead of the queue's visibility timeout (1800 s,
 * sized for the longest rotation). The message keeps its receive count, so maxReceiveCount still bounds the retries.
 */
export async function delayRedelivery(
  message: { queueUrl: string; receiptHandle: string; delaySeconds: number },
  client: SQSClient = sqsClient(),
): Promise<void> {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: message.queueUrl,
      ReceiptHandle: message.receiptHandle,
      VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(message.delaySeconds))),
    }),
  );
}
