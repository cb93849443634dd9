import { classifyEvent } from '../../lib/intake/classify';
import { fixture, fixtureNames } from '../support/event-fixtures';

type Expected =
  | { kind: 'request'; accountId: string; reason: string; eventId: string }
  | { kind: 'ignored'; why: RegExp }
  | { kind: 'invalid'; reason: RegExp };

const EXPECTED: Record<string, Expected> = {
  'create-account-result-succeeded': {
    kind: 'request',
    accountId: '444455556666',
    reason: 'CreateAccountResult',
    eventId: 'a1b2c3d4-0001-4000-8000-000000000001',
  },
  'create-account-result-failed': { kind: 'ignored', why: /state FAILED/ },
  'create-managed-account': {
    kind: 'request',
    accountId: '444455556666',
    reason: 'CreateManagedAccount',
    eventId: 'b2c3d4e5-0003-4000-8000-000000000003',
  },
  'update-managed-account': {
    kind: 'request',
    accountId: '444455556666',
    reason: 'UpdateManagedAccount',
    eventId: 'b2c3d4e5-0004-4000-8000-000000000004',
  },
  'move-account': {
    kind: 'request',
    accountId: '444455556666',
    reason: 'MoveAccount',
    eventId: 'c3d4e5f6-0005-4000-8000-000000000005',
  },
  'account-joined-organization': {
    kind: 'request',
    accountId: '777788889999',
    reason: 'AccountJoinedOrganization',
    eventId: 'c3d4e5f6-0006-4000-8000-000000000006',
  },
  'account-departed-organization': {
    kind: 'request',
    accountId: '777788889999',
    reason: 'AccountDepartedOrganization',
    eventId: 'c3d4e5f6-0007-4000-8000-000000000007',
  },
  'remove-account-from-organization': {
    kind: 'request',
    accountId: '777788889999',
    reason: 'RemoveAccountFromOrganization',
    eventId: 'c3d4e5f6-0008-4000-8000-000000000008',
  },
  'close-account': {
    kind: 'request',
    accountId: '555555555555',
    reason: 'CloseAccount',
    eventId: 'c3d4e5f6-0009-4000-8000-000000000009',
  },
  'close-account-result': {
    kind: 'request',
    accountId: '555555555555',
    reason: 'CloseAccountResult',
    eventId: 'c3d4e5f6-0010-4000-8000-000000000010',
  },
  'move-account-failed-call': { kind: 'ignored', why: /failed \(AccessDenied\)/ },
  'malformed-move-account-missing-account-id': {
    kind: 'invalid',
    reason: /^MoveAccount: detail\.requestParameters\.accountId: /,
  },
  'malformed-create-managed-account-bad-account-id': {
    kind: 'invalid',
    reason:
      /^CreateManagedAccount: detail\.serviceEventDetails\.createManagedAccountStatus\.account\.accountId: must be a 12-digit AWS account id/,
  },
  'irrelevant-create-policy': { kind: 'ignored', why: /CreatePolicy is not an account lifecycle event/ },
};

describe('classifyEvent on the fixtures', () => {
  it('has an expectation for every fixture file (a new fixture cannot go unchecked)', () => {
    expect(fixtureNames()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    const result = classifyEvent(fixture(name));
    switch (expected.kind) {
      case 'request':
        expect(result).toEqual({
          kind: 'request',
          request: {
            accountId: expected.accountId,
            action: 'sync',
            reason: expected.reason,
            eventId: expected.eventId,
          },
        });
        break;
      case 'ignored':
        expect(result.kind).toBe('ignored');
        expect(result.kind === 'ignored' && result.why).toMatch(expected.why);
        break;
      case 'invalid':
        expect(result.kind).toBe('invalid');
        expect(result.kind === 'invalid' && result.reason).toMatch(expected.reason);
        break;
    }
  });
});

describe('classifyEvent on odd input', () => {
  it.each([
    ['null', null],
    ['a string', 'MoveAccount'],
    ['an array', [1, 2]],
    [
      'an envelope without detail',
      { id: 'x', source: 'aws.organizations', 'detail-type': 'AWS API Call via CloudTrail' },
    ],
  ])('rejects %s with a reason instead of throwing', (_label, raw) => {
    const result = classifyEvent(raw);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toMatch(/^not an EventBridge CloudTrail event: /);
  });

  it('falls back to the envelope id when CloudTrail gave no eventID', () => {
    const event = fixture('move-account');
    delete (event.detail as Record<string, unknown>).eventID;
    const result = classifyEvent(event);
    expect(result.kind === 'request' && result.request.eventId).toBe(event.id);
  });

  it('reads the membership account from requestParameters when serviceEventDetails lacks it', () => {
    const event = fixture('account-joined-organization');
    const detail = event.detail as Record<string, unknown>;
    detail.serviceEventDetails = { joinedMethod: 'CREATED' };
    detail.requestParameters = { accountId: '121212121212' };
    const result = classifyEvent(event);
    expect(result.kind === 'request' && result.request.accountId).toBe('121212121212');
  });

  it.each([
    ['an empty string', ''],
    ['null', null],
  ])('treats an errorCode of %s as a failed call, never as a success', (_label, errorCode) => {
    const event = fixture('move-account');
    (event.detail as Record<string, unknown>).errorCode = errorCode;
    const result = classifyEvent(event);
    expect(result.kind).toBe('ignored');
    expect(result.kind === 'ignored' && result.why).toMatch(/^MoveAccount failed \(errorCode (""|null)\)/);
  });

  it.each([
    ['account-joined-organization', 'joinedMethod', 'joinedTime', ['CREATED', 'INVITED']],
    ['account-departed-organization', 'departureMethod', 'departureTime', ['LEFT', 'REMOVED']],
  ])('%s: reads the documented %s / %s fields', (name, method, time, values) => {
    const details = (fixture(name).detail as Record<string, Record<string, unknown>>).serviceEventDetails!;
    expect(values).toContain(details[method]);
    expect(typeof details[time]).toBe('string');
    for (const value of values) {
      const event = fixture(name);
      (event.detail as Record<string, Record<string, unknown>>).serviceEventDetails![method] = value;
      expect(classifyEvent(event).kind).toBe('request');
    }
    const wrong = fixture(name);
    (wrong.detail as Record<string, Record<string, unknown>>).serviceEventDetails![method] = 'Sideways';
    const result = classifyEvent(wrong);
    expect(result.kind === 'invalid' && result.reason).toMatch(
      new RegExp(`serviceEventDetails\\.${method}: .*${values[0]}`),
    );
  });

  it('ignores an event of the right name from another source', () => {
    const event = { ...fixture('move-account'), source: 'aws.custom' };
    expect(classifyEvent(event).kind).toBe('ignored');
  });
});
