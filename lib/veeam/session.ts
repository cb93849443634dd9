import type { VeeamSession } from './types';

/**
 * How a rescan session ended, from the vendor's enums: status Running | NeverExecuted | Succeeded | Warning |
 * Failed | Canceled, result Running | Success | Warning | Failed | Cancelled (the two spellings of cancelled are
 * the vendor's). Unknown values are treated as failed: only a documented success verifies anything; a session that
 * never ran by the poll deadline times out (retryable), it does not verify.
 */
export type SessionOutcome = 'running' | 'succeeded' | 'warning' | 'failed';

export function sessionOutcome(s: Pick<VeeamSession, 'status' | 'result'>): SessionOutcome {
  const status = s.status.toLowerCase();
  const result = s.result.toLowerCase();
  // NeverExecuted: queued, not started yet; polled on like a running session until the deadline.
  if (status === 'running' || status === 'neverexecuted' || (result === 'running' && !status)) return 'running';
  if (status === 'succeeded' || result === 'success') return 'succeeded';
  // A warning is a rescan that assumed the role but could not read everything (a region refused by an SCP, say):
  // the external ID works, which is all a rotation needs to know.
  if (status === 'warning' || result === 'warning') return 'warning';
  return 'failed';
}

/** Waits between polls of a session: short at first (a rescan may end within a second), then every `capMs`. */
export function pollDelayMs(poll: number, capMs: number): number {
  return Math.min(capMs, 25 * 2 ** poll);
}
