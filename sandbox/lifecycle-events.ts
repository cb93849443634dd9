import type { PutEvent } from '../sim/aws/eventbridge-fake';

/** One line per lifecycle event the service put on its bus, for the end of the story. */
export function lifecycleEventLines(events: PutEvent[]): string[] {
  return events.map((e) => {
    const d = e.detail as { accountId?: string; action?: string; trigger?: string; wouldOffboard?: number };
    const subject = d.accountId ?? `${d.wouldOffboard ?? '?'} accounts`;
    return `${e.detailType.padEnd(26)} ${subject} ${d.action ?? ''}${d.trigger ? ` (${d.trigger})` : ''}`.trimEnd();
  });
}

/** Whether the story's changes were announced: each (detail-type, account) pair expected is among the events. */
export function missingLifecycleEvents(events: PutEvent[], expected: Array<[string, string]>): string[] {
  return expected
    .filter(([type, account]) => !events.some((e) => e.detailType === type && e.detail.accountId === account))
    .map(([type, account]) => `${type} ${account}`);
}
