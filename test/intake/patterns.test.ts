import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HANDLED_EVENTS } from '../../lib/intake/catalog';
import { matchesPattern } from '../support/event-pattern';
import { fixture, fixtureNames } from '../support/event-fixtures';

type Pattern = Record<string, unknown>;
const patterns = parse(readFileSync(join(__dirname, '..', '..', 'events', 'patterns.yml'), 'utf8')) as Record<
  string,
  Pattern
>;

/** Which rule each fixture must reach: malformed events still match (the intake rejects them with a reason). */
const RULE_OF: Record<string, string | undefined> = {
  'create-account-result-succeeded': 'accountCreated',
  'create-account-result-failed': undefined,
  'create-managed-account': 'managedAccountCreated',
  'update-managed-account': 'managedAccountUpdated',
  'move-account': 'accountChanged',
  'account-joined-organization': 'membershipChanged',
  'account-departed-organization': 'membershipChanged',
  'remove-account-from-organization': 'accountChanged',
  'close-account': 'accountChanged',
  'close-account-result': 'accountClosed',
  'move-account-failed-call': undefined,
  'malformed-move-account-missing-account-id': 'accountChanged',
  'malformed-create-managed-account-bad-account-id': 'managedAccountCreated',
  'irrelevant-create-policy': undefined,
};

function eventNamesOf(pattern: Pattern): string[] {
  return ((pattern.detail as Pattern).eventName as string[]) ?? [];
}

describe('rule patterns (events/patterns.yml) against the fixtures', () => {
  it('covers every fixture', () => {
    expect(fixtureNames()).toEqual(Object.keys(RULE_OF).sort());
  });

  it.each(Object.entries(RULE_OF))('%s reaches exactly rule %s', (name, rule) => {
    const matching = Object.entries(patterns)
      .filter(([, p]) => matchesPattern(p, fixture(name)))
      .map(([key]) => key);
    expect(matching).toEqual(rule ? [rule] : []);
  });

  it('excludes failed API calls in every rule', () => {
    for (const [name, pattern] of Object.entries(patterns)) {
      expect([name, (pattern.detail as Pattern).errorCode]).toEqual([name, [{ exists: false }]]);
    }
  });

  it('lets through exactly the events the classifier knows how to read', () => {
    const fromPatterns = Object.values(patterns)
      .flatMap((p) => eventNamesOf(p).map((e) => `${(p.source as string[]).join()} ${e}`))
      .sort();
    const fromCatalog = HANDLED_EVENTS.map((h) => `${h.source} ${h.eventName}`).sort();
    expect(fromPatterns).toEqual(fromCatalog);
  });
});

describe('the test pattern matcher', () => {
  it('treats exists:false on a nested key as "absent", and a missing parent as no match', () => {
    const p = { detail: { errorCode: [{ exists: false }] } };
    expect(matchesPattern(p, { detail: {} })).toBe(true);
    expect(matchesPattern(p, { detail: { errorCode: 'AccessDenied' } })).toBe(false);
    expect(matchesPattern(p, {})).toBe(false);
  });

  it('matches any element of an array field', () => {
    expect(matchesPattern({ resources: ['b'] }, { resources: ['a', 'b'] })).toBe(true);
    expect(matchesPattern({ resources: ['c'] }, { resources: ['a', 'b'] })).toBe(false);
  });
});
