import { ageDays, decideIds, rotationStartedAt, type IdState } from './id-state';
import type { RoleReport } from './account-report';
import { roleConflictReason } from '../roles/conflicts';
import type { DesiredTrust, RoleBlueprint, RoleSnapshot } from '../roles/types';
import { ensureRegistration, findEntry, entryFingerprint } from '../registration';
import type { VeeamEntry } from '../veeam/types';
import { completeEntries, type AccountContext } from './account-context';
import { assertTrustAccepts, assertVeeamHoldsOneOf } from './concurrent';
import { ConcurrentChangeError } from '../roles/errors';

export interface RoleOutcome {
  report: RoleReport;
  /** undefined when the role is not ours (conflict). */
  state?: IdState;
  entry?: VeeamEntry;
}

/** Veeam records the issue date of the ID it holds: the next ID's is the rotation start. */
function pushedIssuedAt(state: IdState): Date {
  return state.rotating && state.pushId !== state.trustIds[0]
    ? (rotationStartedAt(state) ?? state.issuedAt)
    : state.issuedAt;
}

function desiredTrust(ctx: AccountContext, state: IdState): DesiredTrust {
  return { principalArn: ctx.deps.config.veeamPrincipalArn, externalIds: state.trustIds, stateTags: state.stateTags };
}

/**
 * Converges the role's Veeam entry to hold `externalId`, keeping the account's entry list current. Unless
 * `unchecked` (the trust names no ID at all, see convergeRole), the trust is re-read immediately before a POST or
 * PUT and must accept the ID.
 */
export async function register(
  ctx: AccountContext,
  bp: RoleBlueprint,
  externalId: string,
  issuedAt: Date,
  o: { unchecked?: boolean } = {},
) {
  const reg = await ensureRegistration(
    ctx.veeam,
    {
      accountId: ctx.accountId,
      blueprintKey: bp.key,
      roleName: bp.roleName,
      installationId: bp.installationId,
      externalId,
      issuedAt,
    },
    ctx.entries,
    { dryRun: ctx.dryRun, ...(o.unchecked ? {} : { beforeWrite: () => assertTrustAccepts(ctx, bp, externalId) }) },
  );
  if (reg.entry) ctx.entries = [...ctx.entries.filter((e) => e.id !== reg.entry!.id), reg.entry];
  return reg;
}

/**
 * Applies an external-ID state to the role (trust + state tags), from `snapshot` or a fresh read. `expected`: the
 * IDs the trust must still accept for this step to make sense (the state a rotation step was decided from);
 * anything else means another writer moved on. Immediately before the trust changes, Veeam's entry is read again
 * and must hold one of the new IDs (compare-and-write on both sides; see concurrent.ts).
 */
export async function applyState(
  ctx: AccountContext,
  bp: RoleBlueprint,
  state: IdState,
  snapshot?: RoleSnapshot,
  expected?: string[],
) {
  const snap = snapshot ?? (await ctx.roles.read(bp));
  if (
    expected &&
    !(snap.trustExternalIds.length === expected.length && expected.every((id, i) => snap.trustExternalIds[i] === id))
  )
    throw new ConcurrentChangeError(
      `the trust of ${bp.roleName} in ${ctx.accountId} is not what this step was decided from (another writer); deciding again`,
    );
  // What the decision saw Veeam holding: an ID still there since is no other writer's.
  const decided = findEntry(ctx.entries, ctx.accountId, bp);
  const decidedFingerprint = decided?.owned ? entryFingerprint(decided.entry) : undefined;
  return ctx.roles.ensure(bp, desiredTrust(ctx, state), snap, {
    dryRun: ctx.dryRun,
    beforeTrustWrite: () => assertVeeamHoldsOneOf(ctx, bp, state.trustIds, decidedFingerprint),
  });
}

/**
 * Read → decide → converge one blueprint role. IAM changes before Veeam, so the ID pushed to the appliance is one
 * the trust already accepts. One exception: a role whose trust names no external ID (the condition was removed by
 * hand, or the appliance statement is gone) accepts the appliance with any ID or not at all, so there the appliance
 * learns the new ID first and the trust is narrowed to it second: it is never left holding a refused ID.
 * `read`: the role as just read (convergeAccount reads all of an account's roles in one concurrent round trip).
 */
export async function convergeRole(ctx: AccountContext, bp: RoleBlueprint, read?: RoleSnapshot): Promise<RoleOutcome> {
  const snapshot = read ?? (await ctx.roles.read(bp));
  const base = { blueprint: bp.key, roleName: bp.roleName };
  // Not ours, or ours by its tag but without our boundary: nothing is written, in IAM or in Veeam.
  if (snapshot.exists && (!snapshot.owned || snapshot.conflict)) {
    return {
      report: {
        ...base,
        role: 'conflict',
        veeam: 'unknown',
        changes: [snapshot.conflict ?? roleConflictReason(bp, ctx.accountId, snapshot.owner)],
      },
    };
  }

  // Our role exists but its entry is not under our name: renamed by hand, so look beyond the name search.
  if (bp.register && snapshot.exists && !findEntry(ctx.entries, ctx.accountId, bp)) await completeEntries(ctx);
  const found = findEntry(ctx.entries, ctx.accountId, bp);
  const state = decideIds(snapshot, found?.owned ? entryFingerprint(found.entry) : undefined, ctx.deps.now());
  const report: RoleReport = {
    ...base,
    role: 'ok',
    veeam: 'not-registered',
    changes: [...state.notes],
    externalIdAgeDays: ageDays(state.issuedAt, ctx.deps.now()),
    ...(state.rotating ? { rotation: 'in-progress' as const } : {}),
  };
  let entry = found?.entry;
  const veeamFirst = bp.register && snapshot.exists && snapshot.trustExternalIds.length === 0;
  const registerHeld = async () => {
    const reg = await register(ctx, bp, state.pushId, pushedIssuedAt(state), { unchecked: veeamFirst });
    entry = reg.entry ?? entry;
    report.veeam = reg.status;
    report.changes.push(...reg.changes);
  };

  if (veeamFirst) await registerHeld();
  const ensured = await applyState(ctx, bp, state, snapshot);
  report.role = ensured.status;
  report.changes.push(...ensured.changes.map((c) => c.detail), ...(ensured.reason ? [ensured.reason] : []));
  if (bp.register && !veeamFirst && ensured.status !== 'conflict') await registerHeld();
  return { report, state, ...(entry ? { entry } : {}) };
}
