import type { AccountRequest } from '../queue/types';
import { findHandledEvent } from './catalog';
import { envelopeSchema } from './schemas';
import { describeIssues } from '../zod-issues';

export type Classification =
  { kind: 'request'; request: AccountRequest } | { kind: 'ignored'; why: string } | { kind: 'invalid'; reason: string };

/**
 * Turns one EventBridge event into the request for the account it concerns. Never throws: a bad event is a value
 * ('invalid', with a reason for the DLQ), so one bad event can neither crash nor loop the intake.
 */
export function classifyEvent(raw: unknown): Classification {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    return { kind: 'invalid', reason: `not an EventBridge CloudTrail event: ${describeIssues(envelope.error)}` };
  }
  const event = envelope.data;
  const { eventName, errorCode } = event.detail;
  const handled = findHandledEvent(event.source, eventName);
  if (!handled) return { kind: 'ignored', why: `${event.source} ${eventName} is not an account lifecycle event` };
  // Present at all (even "" or null) means the call failed: only an absent errorCode is a success.
  if ('errorCode' in event.detail) {
    const code =
      typeof errorCode === 'string' && errorCode ? errorCode : `errorCode ${JSON.stringify(errorCode ?? null)}`;
    return { kind: 'ignored', why: `${eventName} failed (${code}); nothing changed` };
  }

  if (handled.state) {
    const state = handled.state.safeParse(event.detail);
    if (!state.success) return { kind: 'invalid', reason: `${eventName}: ${describeIssues(state.error, 'detail')}` };
    if (state.data !== 'SUCCEEDED')
      return { kind: 'ignored', why: `${eventName} ended in state ${state.data}; nothing changed` };
  }

  const account = handled.account.safeParse(event.detail);
  if (!account.success) return { kind: 'invalid', reason: `${eventName}: ${describeIssues(account.error, 'detail')}` };

  return {
    kind: 'request',
    request: { accountId: account.data, action: 'sync', reason: eventName, eventId: event.detail.eventID ?? event.id },
  };
}
