import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventBridgeClient } from '../aws/eventbridge-client';
import { LIFECYCLE_SOURCE, type LifecycleEvent, type LifecycleEvents } from './types';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/** Lifecycle events on an EventBridge bus (EVENT_BUS_NAME: a name or an ARN; `default` is the account's own bus). */
export class EventBridgeLifecycle implements LifecycleEvents {
  constructor(
    private readonly busName: string,
    private readonly client: () => EventBridgeClient = eventBridgeClient,
  ) {}

  async publish(events: LifecycleEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const entries: PutEventsRequestEntry[] = events.slice(i, i + BATCH).map((e) => ({
        EventBusName: this.busName,
        Source: LIFECYCLE_SOURCE,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
      }));
      const out = await this.client().send(new PutEventsCommand({ Entries: entries }));
      // PutEvents answers 200 even when entries fail; each failed entry says why.
      if (out.FailedEntryCount) {
        const why = (out.Entries ?? [])
          .filter((x) => x.ErrorCode)
          .map((x) => `${x.ErrorCode}: ${x.ErrorMessage ?? ''}`.trim());
        throw new Error(
          `EventBridge refused ${out.FailedEntryCount} of ${entries.length} lifecycle events on bus "${this.busName}" (${[...new Set(why)].join('; ')})`,
        );
      }
    }
  }
}
