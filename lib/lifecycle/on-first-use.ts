import type { LifecycleEvents } from './types';

/**
 * Lifecycle events whose EventBridge client loads with the first event: most invocations change nothing and publish
 * nothing, so the bundles keep the client in a chunk that a cold start does not load.
 */
export function eventBridgeOnFirstUse(busName: string): LifecycleEvents {
  return {
    publish: async (events) =>
      new (await import('./eventbridge-lifecycle')).EventBridgeLifecycle(busName).publish(events),
  };
}
