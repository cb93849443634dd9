import { SQSClient } from '@aws-sdk/client-sqs';

let client: SQSClient | undefined;
/** One client per container: connection reuse across invocations. */
export function sqsClient(): SQSClient {
  client ??= new SQSClient({});
  return client;
}
