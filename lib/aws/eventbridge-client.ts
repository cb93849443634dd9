import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { cachedClient } from './client-cache';
import { DEFAULT_RETRY } from './retry-policy';

/** The service's own EventBridge client (lifecycle events). */
export const eventBridgeClient = (): EventBridgeClient =>
  cachedClient('eventbridge', () => new EventBridgeClient({ ...DEFAULT_RETRY }));
