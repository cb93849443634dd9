import { InvariantError } from '../errors';
import { externalIdFingerprint, generateExternalId } from '../external-id';
import type { RoleSnapshot } from '../roles/types';

/**
 * Where the external IDs live (the decision, see docs/design.md "External IDs"):
 * - The role's trust policy is the source of truth of which IDs are accepted (one, or two during a rotation).
 * - The Veeam entry's description carries the fingerprint of the ID last pushed (Veeam never returns the ID).
 * - Role tags carry the state: when the current ID was issued, and during a rotation the fingerprint of the
 *   next ID and when the rotation started.
 * Every decision below is a pure function of (trust, tags, Veeam fingerprint), so a crash between any two calls
 * leaves a state this module recognises and converges, and the ID Veeam holds is never removed from the trust.
 */
export const ISSUED_TAG = 'veeam-org-sync:external-id-issued';
export const NEXT_FP_TAG = 'veeam-org-sync:rotation-next-fp';
export const ROTATION_STARTED_TAG = 'veeam-org-sync:rotation-started';

export interface IdState {
  /** IDs the trust must accept, [current] or [current, next]. */
  trustIds: string[];
  /** The ID Veeam must hold. Always one of trustIds. */
  pushId: string;
  stateTags: Record<string, string>;
  /** A rotation is in progress (two IDs trusted, next one known). */
  rotating: boolean;
  /** Issue time of the current ID, for the rotation schedule and reports. */
  issuedAt: Date;
  /** What this decision repaired, for the report (never contains an ID). */
  notes: string[];
}

function issued(tags: Record<string, string>, now: Date): Date {
  const t = Date.parse(tags[ISSUED_TAG] ?? '');
  return Number.isNaN(t) ? now : new Date(t);
}

const iso = (d: Date) => d.toISOString();

function settled(id: string, issuedAt: Date, notes: string[]): IdState {
  return { trustIds: [id], pushId: id, stateTags: { [ISSUED_TAG]: iso(issuedAt) }, rotating: false, issuedAt, notes };
}

/**
 * The steady-state decision used by every sync (event, reconcile, CLI): keep what is accepted and held, repair
 * what is missing, finish a rotation whose last step crashed, roll back one whose first step crashed. It never
 * starts or advances a rotation: that is rotation.ts, which uses the same reading of the state.
 */
export function decideIds(snapshot: RoleSnapshot, veeamFp: string | undefined, now: Date): IdState {
  const ids = snapshot.exists ? snapshot.trustExternalIds : [];
  const tags = snapshot.tags;
  const nextFp = tags[NEXT_FP_TAG];
  const held = ids.find((id) => externalIdFingerprint(id) === veeamFp);

  if (ids.length === 0) {
    const id = generateExternalId();
    return settled(id, now, [snapshot.exists ? 'trust had no external ID: issued a new one' : 'issued an external ID']);
  }

  const next = nextFp ? ids.find((id) => externalIdFingerprint(id) === nextFp) : undefined;
  if (ids.length === 2 && next) {
    const current = ids.find((id) => id !== next)!;
    // Mid-rotation: both stay trusted; Veeam keeps what it holds, or gets the next ID if it holds neither.
    return {
      trustIds: [current, next],
      pushId: held ?? next,
      stateTags: {
        [ISSUED_TAG]: iso(issued(tags, now)),
        [NEXT_FP_TAG]: nextFp!,
        [ROTATION_STARTED_TAG]: tags[ROTATION_STARTED_TAG] ?? iso(now),
      },
      rotating: true,
      issuedAt: issued(tags, now),
      notes: held ? [] : ['rotation in progress: appliance did not hold a trusted ID'],
    };
  }

  if (ids.length === 1 && next) {
    // The final narrowing reached the trust but not the tags: the rotation is complete.
    return settled(ids[0]!, new Date(Date.parse(tags[ROTATION_STARTED_TAG] ?? '') || now.getTime()), [
      'completed an interrupted rotation',
    ]);
  }

  // One ID (the normal case), or several with no usable rotation state (a crash before the tags, or a hand
  // edit): keep the ID the appliance holds, so it never loses access; otherwise the first one.
  const keep = held ?? ids[0]!;
  const notes = ids.length > 1 ? ['trust accepted unexpected extra external IDs: removed'] : [];
  if (nextFp) notes.push('cleared a stale rotation marker');
  return settled(keep, issued(tags, now), notes);
}

/** Start of a rotation: trust both the current and a new ID; Veeam keeps the current one for now. */
export function widen(state: IdState, now: Date): IdState {
  const next = generateExternalId();
  return {
    trustIds: [state.pushId, next],
    pushId: state.pushId,
    stateTags: {
      [ISSUED_TAG]: iso(state.issuedAt),
      [NEXT_FP_TAG]: externalIdFingerprint(next),
      [ROTATION_STARTED_TAG]: iso(now),
    },
    rotating: true,
    issuedAt: state.issuedAt,
    notes: ['rotation started: trusting the current and the next external ID'],
  };
}

/** The next ID of a rotation in progress. */
export function nextId(state: IdState): string {
  const fp = state.stateTags[NEXT_FP_TAG];
  const id = state.trustIds.find((x) => externalIdFingerprint(x) === fp);
  if (!id)
    throw new InvariantError(
      'no rotation in progress: the next external ID was asked for a role whose trust holds none',
    );
  return id;
}

/** End of a rotation: only the new ID is trusted. Only called after Veeam proved it can use it. */
export function narrow(state: IdState, now: Date): IdState {
  // Issued when the rotation started: the same date Veeam recorded when the ID was pushed.
  return settled(nextId(state), rotationStartedAt(state) ?? now, [
    'rotation completed: only the new external ID is trusted',
  ]);
}

export function rotationStartedAt(state: IdState): Date | undefined {
  const t = Date.parse(state.stateTags[ROTATION_STARTED_TAG] ?? '');
  return Number.isNaN(t) ? undefined : new Date(t);
}

export function ageDays(issuedAt: Date, now: Date): number {
  return Math.floor((now.getTime() - issuedAt.getTime()) / 86_400_000);
}
