import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { cachedClient } from './client-cache';
import { SDK_CLIENT_RETRY } from './retry-policy';

/** The service's own EventBridge client (lifecycle events). */
export const eventBridgeClient = (): EventBridgeClient =>
  cachedClient('eventbridge', () => new EventBridgeClient({ ...SDK_CLIENT_RETRY }));
