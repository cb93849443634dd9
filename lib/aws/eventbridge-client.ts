import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

let client: EventBridgeClient | undefined;

/** The service's own EventBridge client (lifecycle events), once per container; same retry policy as SQS. */
export function eventBridgeClient(): EventBridgeClient {
  client ??= new EventBridgeClient({ retryMode: 'standard', maxAttempts: 5 });
  return client;
}
