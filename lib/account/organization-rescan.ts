import type { Deps } from '../deps';
import { InvalidInputError, RetryableError } from '../errors';
import { VeeamApiError } from '../veeam/errors';
import { logger } from '../log';
import { DETAIL_TYPES, type AccountEventDetail } from '../lifecycle/types';
import { updateState } from '../state';
import { publishOrWarn } from './lifecycle-event';
import { sharedState } from './shared-state';
import type { VeeamApi, VeeamRoleEntry } from '../veeam/types';

/**
 * Organizations mode: the appliance finds an account's roles only by rescanning the organization, so every account
 * whose roles were written waits here for the next accepted rescan. One item, key `rescan#organization`:
 * - `pending`: account id → when it was marked. Marked before its roles are written (`writing`) and again after;
 *   a rescan started at S clears a mark made at or before S. A writer that died after the first mark (its write may
 *   have landed any time within WRITE_LEASE_MS) is cleared only by a rescan started after the lease.
 * - `claim`: the one writer POSTing now (until its lease ends, so a crash frees it); the others leave their marks to
 *   that rescan or to the claimant's next round.
 * - `lastAcceptedAt`: when the newest accepted rescan started.
 * Level-triggered: any run that finds clearable marks POSTs one rescan, whatever it converged itself.
 */
export const RESCAN_STATE_KEY = 'rescan#organization';
/** Longer than any worker may run (Lambda's 15 minutes): a write begun under a mark has ended by then. */
export const WRITE_LEASE_MS = 15 * 60_000;
/** How long an event's convergence waits, in turn, for another writer's rescan before leaving its mark to it. */
const BUSY_WAITS_MS = [500, 1000, 2000, 4000];
/** How long a claim holds off other writers: one POST with its retries. */
const CLAIM_MS = 2 * 60_000;

/** A mark: when, whether the write may still be in flight, and the `Account Protected` to put once covered. */
export interface RescanMark {
  at: string;
  writing?: boolean;
  announce?: AccountEventDetail;
}

export interface RescanState {
  pending: Record<string, RescanMark>;
  claim?: { by: string; until: string };
  lastAcceptedAt?: string;
}

const EMPTY: RescanState = { pending: {} };

/** When a rescan started at that moment covers this mark (pure). */
export function clearableAt(mark: { at: string; writing?: boolean }): number {
  return Date.parse(mark.at) + (mark.writing ? WRITE_LEASE_MS : 0);
}

/** The marks a rescan started at `startedAt` covers (pure). */
export function coveredBy(state: RescanState, startedAt: number): string[] {
  return Object.entries(state.pending)
    .filter(([, m]) => clearableAt(m) <= startedAt)
    .map(([id]) => id);
}

export async function readRescanState(deps: Pick<Deps, 'state' | 'config'>): Promise<RescanState> {
  return (await sharedState(deps).get<RescanState>(RESCAN_STATE_KEY))?.value ?? EMPTY;
}

/**
 * Marks accounts as waiting for a rescan (`writing`: before their roles are written; again after, without, with
 * the `Account Protected` detail whoever sees the covering rescan accepted puts).
 */
export async function markForRescan(
  deps: Deps,
  accountIds: string[],
  opts: { writing: boolean; announce?: AccountEventDetail },
): Promise<void> {
  if (!accountIds.length) return;
  const at = deps.now().toISOString();
  const mark: RescanMark = opts.writing
    ? { at, writing: true }
    : { at, ...(opts.announce ? { announce: opts.announce } : {}) };
  await updateState<RescanState, void>(sharedState(deps), RESCAN_STATE_KEY, (cur = EMPTY) => ({
    next: { ...cur, pending: { ...cur.pending, ...Object.fromEntries(accountIds.map((id) => [id, mark])) } },
    result: undefined,
  }));
}

/** Is the account known to the appliance: its roles unchanged since an accepted rescan? */
export function rescanCovers(state: RescanState, accountId: string): boolean {
  return state.lastAcceptedAt !== undefined && !(accountId in state.pending);
}

export interface FlushResult {
  /** Organization rescans this call started (0, or 1 per round). */
  started: number;
  /** Accounts the accepted rescans cover. */
  covered: string[];
  /** Another writer holds the claim: its rescan (or its next round) takes the marks. */
  busy: boolean;
}

const cachedEntryIds = new Map<string, string>();

/**
 * The entry id of the Organization rescan role (VEEAM_RESCAN_ROLE_ARN) in the appliance: an "IAM role from another
 * account" entry, or an "IAM role" entry when the appliance runs in the same account. Cached per container.
 */
export async function rescanRoleEntryId(veeam: VeeamApi, roleArn: string): Promise<string> {
  const cached = cachedEntryIds.get(roleArn);
  if (cached) return cached;
  const found = findRescanEntry(await veeam.listRoleEntries(), roleArn);
  if (!found)
    throw new InvalidInputError(
      `The Organization rescan role ${roleArn} (VEEAM_RESCAN_ROLE_ARN) is not an IAM role entry in the appliance: ` +
        'add it in the Veeam console (IAM roles > Add, "IAM role from another account" with its account and name), ' +
        'then add the organization with it (see the Organizations mode steps).',
    );
  cachedEntryIds.set(roleArn, found.id);
  return found.id;
}

/** Pure: the entry naming this role (its name with or without the path). */
export function findRescanEntry(entries: VeeamRoleEntry[], roleArn: string): VeeamRoleEntry | undefined {
  const m = /^arn:aws[\w-]*:iam::(\d{12}):role(\/.*)$/.exec(roleArn);
  if (!m) return undefined;
  const [, account, pathAndName] = m as unknown as [string, string, string];
  const name = pathAndName.split('/').pop()!;
  const same = (r: string) => r === name || r === pathAndName || `/${r}` === pathAndName;
  return entries.find(
    (e) =>
      same(e.roleName) &&
      ((e.kind === 'IAMRoleFromAnotherAccount' && e.accountId === account) ||
        (e.kind === 'IAMRole' && (e.accountId === account || e.accountId === ''))),
  );
}

/**
 * Starts an organization rescan if some mark is clearable now and no other writer is starting one; then clears what
 * it covers. Repeats (at most `rounds`) while marks made meanwhile are clearable, so a burst of accounts shares a
 * few rescans. Safe to crash anywhere: marks stay until a rescan that started after them was accepted.
 */
export async function flushOrganizationRescan(
  deps: Deps,
  opts: { rounds?: number; waitWhileBusy?: boolean } = {},
): Promise<FlushResult> {
  const store = sharedState(deps);
  const me = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const result: FlushResult = { started: 0, covered: [], busy: false };
  // Waiting (events, the worker): another writer's POST takes about a second; its rescan then covers this account,
  // or the claim is free for this one. Bounded: a claimant that died is waited for at most until the next run.
  let waits = opts.waitWhileBusy ? BUSY_WAITS_MS.length : 0;
  for (let round = 0; round < (opts.rounds ?? 2); round++) {
    const now = deps.now().getTime();
    const claimed = await updateState<RescanState, 'claimed' | 'nothing' | 'busy'>(
      store,
      RESCAN_STATE_KEY,
      (cur = EMPTY) => {
        if (!coveredBy(cur, now).length) return { result: 'nothing' };
        if (cur.claim && Date.parse(cur.claim.until) > now && cur.claim.by !== me) return { result: 'busy' };
        return {
          next: { ...cur, claim: { by: me, until: new Date(now + CLAIM_MS).toISOString() } },
          result: 'claimed',
        };
      },
    );
    if (claimed === 'busy' && waits > 0) {
      await deps.sleep(BUSY_WAITS_MS[BUSY_WAITS_MS.length - waits--]!);
      round--;
      continue;
    }
    result.busy = claimed === 'busy';
    if (claimed !== 'claimed') return result;
    // The rescan starts after this instant: what was marked (and written) by now is in it.
    const startedAt = deps.now().getTime();
    try {
      await postRescan(deps);
    } catch (err) {
      await updateState<RescanState, void>(store, RESCAN_STATE_KEY, (cur = EMPTY) =>
        cur.claim?.by === me ? { next: withoutClaim(cur), result: undefined } : { result: undefined },
      );
      throw err;
    }
    result.started++;
    const covered = await updateState<RescanState, Array<[string, RescanMark]>>(
      store,
      RESCAN_STATE_KEY,
      (cur = EMPTY) => {
        const ids = coveredBy(cur, startedAt);
        const pending = { ...cur.pending };
        for (const id of ids) delete pending[id];
        const base = cur.claim?.by === me ? withoutClaim(cur) : cur;
        const last = cur.lastAcceptedAt && Date.parse(cur.lastAcceptedAt) > startedAt ? cur.lastAcceptedAt : undefined;
        return {
          next: { ...base, pending, lastAcceptedAt: last ?? new Date(startedAt).toISOString() },
          result: ids.map((id): [string, RescanMark] => [id, cur.pending[id]!]),
        };
      },
    );
    result.covered.push(...covered.map(([id]) => id));
    logger.info('organization rescan accepted', { accounts: covered.length, round });
    // Put once, by the writer whose rescan covered the account (after the state says so: at most once).
    for (const [, m] of covered)
      if (m.announce)
        await publishOrWarn(deps, {
          detailType: DETAIL_TYPES.protected,
          detail: { ...m.announce, reason: `${m.announce.reason}; organization rescan accepted` },
        });
  }
  return result;
}

function withoutClaim(s: RescanState): RescanState {
  const { claim: _claim, ...rest } = s;
  return rest;
}

async function postRescan(deps: Deps): Promise<void> {
  const roleArn = deps.config.veeamRescanRoleArn;
  if (!roleArn)
    throw new InvalidInputError('VEEAM_RESCAN_ROLE_ARN is not set; organization mode needs the rescan role.');
  const veeam = await deps.veeam();
  const entryId = await rescanRoleEntryId(veeam, roleArn);
  try {
    await veeam.rescanOrganization(entryId, 'Database');
  } catch (err) {
    if (err instanceof VeeamApiError && err.status === 404) {
      // Either the entry was removed since it was cached, or this REST revision has no organizations collection.
      cachedEntryIds.delete(roleArn);
      throw new RetryableError(
        `Veeam refused the organization rescan with 404 (API ${veeam.apiVersion ?? 'unknown'}): the rescan role's ` +
          `entry ${entryId} is gone, or the appliance predates REST 1.7-rev0 (VBAWS 9), which organizations mode needs.`,
        { cause: err, code: 'OrganizationRescanNotFound' },
      );
    }
    throw err;
  }
}
