import { openAccount } from './account-context';
import { applyState, convergeRole, register, type RoleOutcome } from './converge-role';
import type { AccountContext } from './account-context';
import { accountAction } from './account-action';
import { emitLifecycleEvent } from './lifecycle-event';
import { runForAccount } from './run-for-account';
import type { Deps } from '../deps';
import { RetryableError } from '../errors';
import { ageDays, narrow, nextId, rotationStartedAt, widen, type IdState } from './id-state';
import { externalIdFingerprint } from '../external-id';
import { logger } from '../log';
import type { AccountReport, RoleReport } from './account-report';
import type { RoleBlueprint } from '../roles/types';
import { entryFingerprint, findEntry } from '../veeam/registration';

/** How long the appliance gets to prove it can use the new ID; a slower rescan is retried by the next run. */
const RESCAN_TIMEOUT_MS = 60_000;

export type RotationPhase = 'widened' | 'propagated' | 'pushed' | 'verified' | 'narrowed';

export interface RotateOptions {
  force?: boolean;
  dryRun?: boolean;
  /** Called after each phase (the CLI prints them). */
  onPhase?: (accountId: string, roleName: string, phase: RotationPhase) => void;
  /** false while the worker will retry a retryable failure: no lifecycle event for it yet (default true). */
  lastAttempt?: boolean;
}

/**
 * Zero-downtime rotation of one account's external IDs, one role at a time:
 * trust [old, new] → wait for IAM propagation → PUT new to Veeam → Veeam proves it can assume (rescan) →
 * trust [new]. Invariant at every moment: the ID Veeam holds is accepted by the trust policy. Each phase is
 * derived from what is read (trust, tags, Veeam fingerprint), so a crash after any call resumes here or in the
 * next sync. A rotation already in progress is resumed, never started twice.
 */
export async function rotateAccount(deps: Deps, accountId: string, opts: RotateOptions = {}): Promise<AccountReport> {
  const dryRun = opts.dryRun ?? false;
  const report = await runForAccount(deps, accountId, { dryRun, what: 'rotation' }, async (scope) => {
    const base = { accountId, dryRun, inScope: scope.inScope, scopeReason: scope.reason };
    if (!scope.inScope) return { ...base, action: 'skip', roles: [] };
    const ctx = await openAccount(deps, accountId, dryRun);
    const roles: RoleReport[] = [];
    for (const bp of deps.blueprints) roles.push(await rotateRole(ctx, bp, opts));
    return { ...base, action: accountAction(roles), roles };
  });
  await emitLifecycleEvent(deps, report, {
    trigger: 'rotation',
    ...(opts.lastAttempt === false ? { lastAttempt: false } : {}),
  });
  return report;
}

function isDue(state: IdState, maxAgeDays: number, now: Date): boolean {
  return state.rotating || ageDays(state.issuedAt, now) >= maxAgeDays;
}

async function rotateRole(ctx: AccountContext, bp: RoleBlueprint, opts: RotateOptions): Promise<RoleReport> {
  const { deps } = ctx;
  // Steady state first: repairs drift and finishes or rolls back an interrupted rotation.
  const outcome = await convergeRole(ctx, bp);
  const { report, state } = outcome;
  if (!state || report.role === 'conflict' || !bp.register) return report;
  if (!(opts.force || isDue(state, deps.config.externalIdMaxAgeDays, deps.now()))) return report;
  if (ctx.dryRun) {
    report.rotation = state.rotating ? 'in-progress' : 'started';
    report.changes.push(state.rotating ? 'would resume the rotation in progress' : 'would rotate the external ID');
    return report;
  }
  if (state.rotating) return advanceRotation(ctx, bp, outcome, opts);
  const wide = widen(state, deps.now());
  await applyState(ctx, bp, wide);
  report.rotation = 'started';
  announce(ctx, bp, 'widened', opts);
  return advanceRotation(ctx, bp, { ...outcome, state: wide }, opts);
}

function announce(ctx: AccountContext, bp: RoleBlueprint, phase: RotationPhase, opts: RotateOptions) {
  logger.info('rotation phase', { accountId: ctx.accountId, roleName: bp.roleName, phase });
  opts.onPhase?.(ctx.accountId, bp.roleName, phase);
}

/**
 * From a widened trust to the end: wait for propagation, push the next ID, let Veeam prove it works, narrow.
 * Also called by every sync that finds a rotation in progress, so one that stopped (worker timeout, DLQ) is
 * finished by the next reconcile rather than waiting for the next due date.
 */
export async function advanceRotation(
  ctx: AccountContext,
  bp: RoleBlueprint,
  outcome: RoleOutcome,
  opts: RotateOptions = {},
): Promise<RoleReport> {
  const { deps } = ctx;
  const { report } = outcome;
  let state = outcome.state!;
  const next = nextId(state);
  let found = findEntry(ctx.entries, ctx.accountId, bp);
  if (!found?.owned)
    throw new RetryableError(
      `Veeam entry for ${bp.roleName} in ${ctx.accountId} is missing; the next sync re-registers it`,
    );
  if (entryFingerprint(found.entry) !== externalIdFingerprint(next)) {
    const waitMs =
      (rotationStartedAt(state)?.getTime() ?? 0) + deps.config.propagationWaitSeconds * 1000 - deps.now().getTime();
    if (waitMs > 0) await deps.sleep(waitMs);
    announce(ctx, bp, 'propagated', opts);
    // Compare before the push: if another writer changed the trust meanwhile, the next ID may no longer be
    // accepted, and pushing it would break the invariant.
    const fresh = await ctx.roles.read(bp);
    if (!fresh.trustExternalIds.includes(next))
      throw new RetryableError(
        `trust of ${bp.roleName} in ${ctx.accountId} changed during the rotation; it resumes on the next run`,
      );
    await register(ctx, bp, next, rotationStartedAt(state) ?? deps.now());
    found = findEntry(ctx.entries, ctx.accountId, bp)!;
    report.rotation = 'pushed';
    announce(ctx, bp, 'pushed', opts);
  }

  const session = await ctx.veeam.rescanAndWait(found.entry.id, { timeoutMs: RESCAN_TIMEOUT_MS });
  if (!/^succe/i.test(session.result) && !/^succe/i.test(session.status)) {
    // Veeam holds the new ID and both are trusted: safe to stay here until the appliance can use it.
    throw new RetryableError(
      `Veeam could not use the new external ID of ${bp.roleName} in ${ctx.accountId} yet (${session.reason ?? session.result}); both IDs stay trusted`,
    );
  }
  announce(ctx, bp, 'verified', opts);

  state = narrow(state, deps.now());
  await applyState(ctx, bp, state);
  announce(ctx, bp, 'narrowed', opts);
  report.rotation = 'completed';
  report.externalIdAgeDays = 0;
  report.changes.push('external ID rotated');
  return report;
}
