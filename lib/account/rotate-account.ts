import { openAccount } from './account-context';
import { applyState, convergeRole, register, type RoleOutcome } from './converge-role';
import type { AccountContext } from './account-context';
import { accountAction } from './account-action';
import { emitLifecycleEvent } from './lifecycle-event';
import { runForAccount } from './run-for-account';
import { decideAgainOnConcurrentChange } from './concurrent';
import type { Deps } from '../deps';
import { RetryableError } from '../errors';
import { ageDays, narrow, nextId, rotationStartedAt, widen, type IdState } from './id-state';
import { externalIdFingerprint } from '../external-id';
import { logger } from '../log';
import type { AccountReport, RoleReport } from './account-report';
import type { RoleBlueprint } from '../roles/types';
import { entryFingerprint, findEntry } from '../registration';
import { sessionOutcome } from '../veeam/session';

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
    // Organizations mode: the roles trust the appliance without an external ID, so there is nothing to rotate.
    if (deps.config.veeamMode === 'organization')
      return {
        ...base,
        action: 'skip',
        roles: deps.blueprints.map((bp) => ({
          blueprint: bp.key,
          roleName: bp.roleName,
          role: 'unknown' as const,
          veeam: 'absent' as const,
          changes: ['VEEAM_MODE=organization: no external ID to rotate'],
        })),
      };
    const ctx = await openAccount(deps, accountId, dryRun);
    const roles: RoleReport[] = [];
    for (const bp of deps.blueprints) {
      // The ID Veeam held when this rotation was asked for: after losing a race, `force` still applies only if
      // nobody has rotated it meanwhile (otherwise the other writer's rotation is resumed or already done).
      let askedFor: string | undefined;
      roles.push(
        await decideAgainOnConcurrentChange(ctx, bp, (attempt) =>
          rotateRole(ctx, bp, opts, (state) => {
            if (attempt === 0) askedFor = state.pushId;
            return Boolean(opts.force) && state.pushId === askedFor;
          }),
        ),
      );
    }
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

async function rotateRole(
  ctx: AccountContext,
  bp: RoleBlueprint,
  opts: RotateOptions,
  forced: (state: IdState) => boolean,
): Promise<RoleReport> {
  const { deps } = ctx;
  // Steady state first: repairs drift and finishes or rolls back an interrupted rotation.
  const outcome = await convergeRole(ctx, bp);
  const { report, state } = outcome;
  // Never rotate what this installation does not own (another's entry, or one without a marker).
  if (!state || report.role === 'conflict' || report.veeam === 'conflict' || !bp.register) return report;
  if (!(forced(state) || isDue(state, deps.config.externalIdMaxAgeDays, deps.now()))) return report;
  if (ctx.dryRun) {
    report.rotation = state.rotating ? 'in-progress' : 'started';
    report.changes.push(state.rotating ? 'would resume the rotation in progress' : 'would rotate the external ID');
    return report;
  }
  if (state.rotating) return advanceRotation(ctx, bp, outcome, opts);
  const wide = widen(state, deps.now());
  // Only from the trust this decision was made from: a second rotation started meanwhile wins, this one resumes it.
  await applyState(ctx, bp, wide, undefined, state.trustIds);
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
    // register() re-reads the trust immediately before the PUT: if another writer changed it meanwhile, the next
    // ID may no longer be accepted, and pushing it would break the invariant (ConcurrentChangeError instead).
    await register(ctx, bp, next, rotationStartedAt(state) ?? deps.now());
    found = findEntry(ctx.entries, ctx.accountId, bp)!;
    report.rotation = 'pushed';
    announce(ctx, bp, 'pushed', opts);
  }

  const session = await ctx.veeam.rescanAndWait(found.entry.id, { timeoutMs: RESCAN_TIMEOUT_MS });
  const verdict = sessionOutcome(session);
  if (verdict !== 'succeeded' && verdict !== 'warning') {
    // Veeam holds the new ID and both are trusted: safe to stay here until the appliance can use it.
    throw new RetryableError(
      `Veeam could not use the new external ID of ${bp.roleName} in ${ctx.accountId} yet (rescan ${session.status || 'ended'}${session.reason ? `: ${session.reason}` : ''}); both IDs stay trusted and the next run verifies again`,
      { code: 'RotationNotVerified' },
    );
  }
  if (verdict === 'warning')
    logger.warn('rescan ended with a warning; the role was assumed with the new external ID', {
      accountId: ctx.accountId,
      roleName: bp.roleName,
      reason: session.reason,
    });
  announce(ctx, bp, 'verified', opts);

  // From [current, next] only, and only while Veeam still holds next (both re-read right before the write).
  const expected = state.trustIds;
  state = narrow(state, deps.now());
  const narrowed = await applyState(ctx, bp, state, undefined, expected);
  if (narrowed.status === 'conflict') {
    // Nothing was narrowed (e.g. the instance profile is no longer ours): both IDs stay trusted, and no rotation is
    // reported as done.
    report.role = 'conflict';
    report.rotation = 'in-progress';
    report.changes.push(
      ...(narrowed.reason ? [narrowed.reason] : []),
      'rotation not finished: the trust was not narrowed',
    );
    return report;
  }
  announce(ctx, bp, 'narrowed', opts);
  report.rotation = 'completed';
  report.externalIdAgeDays = 0;
  report.changes.push('external ID rotated');
  return report;
}
