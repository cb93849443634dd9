import { InvariantError } from '../../lib/errors';
import { externalIdFingerprint } from '../../lib/external-id';
import {
  decideIds,
  ISSUED_TAG,
  narrow,
  NEXT_FP_TAG,
  nextId,
  ROTATION_STARTED_TAG,
  widen,
} from '../../lib/account/id-state';
import type { RoleSnapshot } from '../../lib/roles/types';

const now = new Date('2026-11-22T12:00:00Z');
const X = 'X'.repeat(40);
const Y = 'Y'.repeat(40);

function role(ids: string[], tags: Record<string, string> = {}, exists = true): RoleSnapshot {
  return {
    roleName: 'VeeamBackupRole',
    exists,
    owned: exists,
    owner: exists ? { kind: 'ours' } : { kind: 'none' },
    trustExternalIds: ids,
    tags,
    inlinePolicies: {},
    attachedPolicyArns: [],
  };
}

describe('external-ID decisions (the invariant: the ID Veeam holds stays trusted)', () => {
  it('issues a fresh ID for a new role and records when', () => {
    const s = decideIds(role([], {}, false), undefined, now);
    expect(s.trustIds).toHaveLength(1);
    expect(s.pushId).toBe(s.trustIds[0]);
    expect(s.pushId).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(s.stateTags[ISSUED_TAG]).toBe(now.toISOString());
  });

  it('keeps a settled ID and its issue date, and pushes it when Veeam holds something else', () => {
    const s = decideIds(role([X], { [ISSUED_TAG]: '2026-01-01T00:00:00.000Z' }), 'deadbeefdeadbeef', now);
    expect(s.trustIds).toEqual([X]);
    expect(s.pushId).toBe(X);
    expect(s.issuedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('mid-rotation keeps both IDs trusted and Veeam on the one it holds', () => {
    const tags = { [NEXT_FP_TAG]: externalIdFingerprint(Y), [ROTATION_STARTED_TAG]: now.toISOString() };
    const holdsOld = decideIds(role([X, Y], tags), externalIdFingerprint(X), now);
    expect(holdsOld.trustIds).toEqual([X, Y]);
    expect(holdsOld.pushId).toBe(X);
    expect(holdsOld.rotating).toBe(true);
    const holdsNew = decideIds(role([Y, X], tags), externalIdFingerprint(Y), now);
    expect(holdsNew.trustIds).toEqual([X, Y]);
    expect(holdsNew.pushId).toBe(Y);
    const holdsNothing = decideIds(role([X, Y], tags), undefined, now);
    expect(holdsNothing.pushId).toBe(Y);
  });

  it('a sync during a rotation keeps when the rotation started and when the current ID was issued', () => {
    // The start time dates the new ID once the rotation completes (narrow): a sync must not move it forward.
    const started = '2026-11-20T08:00:00.000Z';
    const tags = {
      [ISSUED_TAG]: '2026-08-01T00:00:00.000Z',
      [NEXT_FP_TAG]: externalIdFingerprint(Y),
      [ROTATION_STARTED_TAG]: started,
    };
    const s = decideIds(role([X, Y], tags), externalIdFingerprint(X), now);
    expect(s.stateTags).toEqual(tags);
    expect(s.issuedAt.toISOString()).toBe('2026-08-01T00:00:00.000Z');
    expect(s.rotating).toBe(true);
    expect(s.notes).toEqual([]);
    expect(narrow(s, now).issuedAt.toISOString()).toBe(started);
    // A rotation whose start was never recorded counts from now, and says the appliance holds neither ID.
    const untimed = decideIds(role([X, Y], { [NEXT_FP_TAG]: externalIdFingerprint(Y) }), undefined, now);
    expect(untimed.stateTags[ROTATION_STARTED_TAG]).toBe(now.toISOString());
    expect(untimed.pushId).toBe(Y);
    expect(untimed.notes).toEqual(['rotation in progress: appliance did not hold a trusted ID']);
  });

  it('rolls back a rotation whose tags never landed, keeping the ID Veeam holds', () => {
    const s = decideIds(role([X, Y]), externalIdFingerprint(Y), now);
    expect(s.trustIds).toEqual([Y]);
    expect(s.rotating).toBe(false);
  });

  it('finishes a rotation whose narrowing reached the trust but not the tags', () => {
    const s = decideIds(
      role([Y], { [NEXT_FP_TAG]: externalIdFingerprint(Y), [ROTATION_STARTED_TAG]: '2026-11-22T11:00:00.000Z' }),
      externalIdFingerprint(Y),
      now,
    );
    expect(s.trustIds).toEqual([Y]);
    expect(s.stateTags[NEXT_FP_TAG]).toBeUndefined();
    expect(s.stateTags[ISSUED_TAG]).toBe('2026-11-22T11:00:00.000Z');
  });

  it('drops a rotation marker whose ID never reached the trust', () => {
    const s = decideIds(role([X], { [NEXT_FP_TAG]: externalIdFingerprint(Y) }), externalIdFingerprint(X), now);
    expect(s.trustIds).toEqual([X]);
    expect(Object.keys(s.stateTags)).toEqual([ISSUED_TAG]);
    expect(s.notes.join()).toMatch(/stale rotation/);
  });

  it('widen → narrow trusts [old,new] then [new] and never drops what Veeam holds in between', () => {
    const settled = decideIds(role([X]), externalIdFingerprint(X), now);
    const wide = widen(settled, now);
    expect(wide.trustIds[0]).toBe(X);
    expect(wide.trustIds).toHaveLength(2);
    expect(wide.pushId).toBe(X);
    const next = nextId(wide);
    expect(next).not.toBe(X);
    const done = narrow(wide, now);
    expect(done.trustIds).toEqual([next]);
    expect(done.pushId).toBe(next);
    // Re-reading the widened state from IAM gives the same decision (crash after widening).
    const reread = decideIds(role(wide.trustIds, wide.stateTags), externalIdFingerprint(X), now);
    expect(reread.trustIds).toEqual(wide.trustIds);
    expect(reread.rotating).toBe(true);
  });

  it('fits two IDs in a default 2,048-character trust policy with room to spare', () => {
    const wide = widen(decideIds(role([X]), undefined, now), now);
    expect(wide.trustIds.join('').length).toBeLessThan(200);
  });
});

// The notes are the "changes" an account's report lists: what the operator reads to learn what a sync repaired.
describe('what each external-ID decision tells the operator', () => {
  const Z = 'Z'.repeat(40);
  const marker = { [NEXT_FP_TAG]: externalIdFingerprint(Y) };

  it('says an ID was issued, and whether the role had lost the one it had', () => {
    expect(decideIds(role([], {}, false), undefined, now).notes).toEqual(['issued an external ID']);
    expect(decideIds(role([]), undefined, now).notes).toEqual(['trust had no external ID: issued a new one']);
  });

  it('says nothing when a settled role is as it should be', () => {
    expect(decideIds(role([X]), externalIdFingerprint(X), now).notes).toEqual([]);
    expect(decideIds(role([X]), undefined, now).notes).toEqual([]);
  });

  it('says extra IDs were removed from the trust, and a stale marker cleared', () => {
    expect(decideIds(role([X, Y]), externalIdFingerprint(Y), now).notes).toEqual([
      'trust accepted unexpected extra external IDs: removed',
    ]);
    expect(decideIds(role([X], marker), externalIdFingerprint(X), now).notes).toEqual([
      'cleared a stale rotation marker',
    ]);
  });

  it('says an interrupted rotation was completed, dated when it started or else now', () => {
    const done = decideIds(role([Y], marker), externalIdFingerprint(Y), now);
    expect(done.notes).toEqual(['completed an interrupted rotation']);
    expect(done.issuedAt).toEqual(now);
  });

  it('keeps the ID the appliance holds when a hand edit left three IDs and a rotation marker', () => {
    const s = decideIds(role([X, Y, Z], marker), externalIdFingerprint(Z), now);
    expect(s.trustIds).toEqual([Z]);
    expect(s.notes).toEqual([
      'trust accepted unexpected extra external IDs: removed',
      'cleared a stale rotation marker',
    ]);
  });

  it('says when a rotation starts and when it completes', () => {
    const wide = widen(decideIds(role([X]), externalIdFingerprint(X), now), now);
    expect(wide.rotating).toBe(true);
    expect(wide.notes).toEqual(['rotation started: trusting the current and the next external ID']);
    expect(narrow(wide, now).notes).toEqual(['rotation completed: only the new external ID is trusted']);
  });

  it('refuses to name a next ID when no rotation is in progress', () => {
    const settled = decideIds(role([X]), externalIdFingerprint(X), now);
    expect(() => nextId(settled)).toThrow(InvariantError);
    expect(() => nextId(settled)).toThrow('no rotation in progress');
  });
});
