import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';

export interface PutEvent {
  eventBusName: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** PutEvents limits as documented: 1 to 10 entries, at most 256 KB in all. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

/**
 * PutEvents for tests and the sandbox: records every accepted event, as strict as the API (entry count, size,
 * required fields, Detail a JSON object). `setFailing` makes every entry fail the way an overloaded bus does, with
 * a 200 response and FailedEntryCount.
 */
export function installEventBridgeFake() {
  const stub = mockClient(EventBridgeClient);
  const events: PutEvent[] = [];
  let failing = false;
  stub.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
    const entries = input.Entries ?? [];
    const invalid = (message: string) => Object.assign(new Error(message), { name: 'ValidationException' });
    if (entries.length < 1 || entries.length > MAX_ENTRIES)
      throw invalid(`Entries must have 1 to ${MAX_ENTRIES} members (got ${entries.length})`);
    const size = entries.reduce(
      (n, e) => n + Buffer.byteLength((e.Source ?? '') + (e.DetailType ?? '') + (e.Detail ?? '')),
      0,
    );
    if (size > MAX_BYTES) throw invalid('Total size of the entries in the request is over the limit.');
    const results = entries.map((e) => {
      if (failing) return { ErrorCode: 'InternalFailure', ErrorMessage: 'simulated failure' };
      if (!e.Source || !e.DetailType || !e.Detail)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object.' };
      events.push({
        eventBusName: e.EventBusName ?? 'default',
        source: e.Source,
        detailType: e.DetailType,
        detail: detail as Record<string, unknown>,
      });
      return { EventId: randomUUID() };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  });
  return {
    stub,
    /** Every event accepted so far, oldest first. */
    events,
    setFailing(value: boolean) {
      failing = value;
    },
    restore: () => stub.restore(),
  };
}

export type EventBridgeFake = ReturnType<typeof installEventBridgeFake>;
