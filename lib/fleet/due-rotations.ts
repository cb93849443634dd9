import { InvariantError } from '../errors';
import type { Deps } from '../deps';
import { ageDays } from '../account/id-state';
import { planOrganization } from './reconcile';
import { mayConverge } from '../ownership';
import { entryOwner, parseEntryDescription } from '../registration';
import { countMetric, METRIC } from '../metrics';

export interface RotationSchedule {
  enqueued: number;
  accounts: string[];
  /** Due accounts left for the next runs, so the appliance never sees every rotation at once. */
  deferred: number;
}

/**
 * How many rotations one run starts: enough to rotate every account well within EXTERNAL_ID_MAX_AGE_DAYS
 * (twice the steady rate), never a thundering herd when a whole organization was onboarded on one day.
 */
export function rotationsPerRun(registeredAccounts: number, maxAgeDays: number): number {
  return Math.max(25, Math.ceil((2 * registeredAccounts) / maxAgeDays));
}

/**
 * Registered accounts whose external ID is due (or all of them, forced), oldest first, from one Organizations walk and
 * one Veeam listing: each entry records the issue date of the ID it holds, so no member account is read.
 * `limited` caps the list at rotationsPerRun (the schedule); the CLI takes them all.
 */
export async function dueAccounts(
  deps: Deps,
  opts: { force?: boolean; limited: boolean },
): Promise<{ due: string[]; deferred: number }> {
  const now = deps.now();
  const { plan, entries } = await planOrganization(deps, { explain: false });
  const oldest = new Map<string, number>();
  for (const e of entries) {
    // Another installation's entries are never rotated by this one.
    if (!mayConverge(entryOwner(e, deps.config.installationId))) continue;
    const d = parseEntryDescription(e.description);
    // An owned entry without a date predates the date field: treat it as due.
    const age = d.issuedAt ? ageDays(d.issuedAt, now) : Number.MAX_SAFE_INTEGER;
    oldest.set(e.accountId, Math.max(oldest.get(e.accountId) ?? 0, age));
  }
  const registered = plan.accounts.filter((a) => a.action === 'ok').map((a) => a.accountId);
  const candidates = registered.filter((id) => opts.force || (oldest.get(id) ?? 0) >= deps.config.externalIdMaxAgeDays);
  candidates.sort((a, b) => (oldest.get(b) ?? 0) - (oldest.get(a) ?? 0));
  const due = opts.limited
    ? candidates.slice(0, rotationsPerRun(registered.length, deps.config.externalIdMaxAgeDays))
    : candidates;
  return { due, deferred: candidates.length - due.length };
}

/**
 * The scheduled rotate function: enqueue a rotate request per due account; the worker does the rotation itself,
 * serialized with every other change to that account by the FIFO group.
 */
export async function scheduleRotations(
  deps: Deps,
  opts: { accountIds?: string[]; force?: boolean },
): Promise<RotationSchedule> {
  if (!deps.queue) throw new InvariantError('scheduling rotations needs the account queue (ACCOUNT_QUEUE_URL)');
  const { due, deferred } = opts.accountIds?.length
    ? { due: opts.accountIds, deferred: 0 }
    : await dueAccounts(deps, { ...(opts.force ? { force: true } : {}), limited: true });
  await deps.queue.send(
    due.map((accountId) => ({
      accountId,
      action: 'rotate' as const,
      reason: 'rotation-due',
      ...(opts.force ? { force: true } : {}),
    })),
    { runId: deps.now().toISOString() },
  );
  countMetric(METRIC.RotationsEnqueued, due.length);
  return { enqueued: due.length, accounts: due, deferred };
}
