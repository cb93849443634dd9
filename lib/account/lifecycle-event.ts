import type { Deps } from '../deps';
import { describeError } from '../errors';
import { DETAIL_TYPES, type AccountDetailType, type LifecycleEvent } from '../lifecycle/types';
import { logger } from '../log';
import { countMetric, METRIC } from '../metrics';
import type { RoleBlueprint } from '../roles/types';
import { entryName } from '../registration';
import type { AccountReport } from './account-report';
import { updateState } from '../state';
import { sharedState } from './shared-state';

export interface LifecycleContext {
  installationId: string;
  blueprints: Pick<RoleBlueprint, 'key' | 'register'>[];
  /** What started the run (event name, reconcile, rotation, manual). */
  trigger?: string;
  /**
   * false while the worker will still retry this request: a retryable failure ("not ready yet") is not a change
   * of state until the last attempt. The CLI and the in-process reconcile never retry, so they leave it true.
   */
  lastAttempt?: boolean;
  /**
   * Organizations mode: an account is protected once the organization rescan after its roles' change was accepted,
   * so `Account Protected` is put by whoever sees the rescan accepted (organization-rescan.ts), never here.
   */
  organizationMode?: boolean;
}

const PROTECTING = new Set<AccountReport['action']>(['create', 'repair', 'register', 'update']);

/**
 * Which lifecycle event (if any) one account report implies. Pure: a dry run, a converged account (`ok`), a skipped
 * one or a retained offboarding imply none. The detail carries names and outcomes only: the external IDs are never
 * in a report, and the reason is built from the report's change list, which holds fingerprints at most.
 */
export function lifecycleEventOf(report: AccountReport, ctx: LifecycleContext): LifecycleEvent | undefined {
  if (report.dryRun) return undefined;
  const type = detailTypeOf(report, ctx);
  if (!type) return undefined;
  const registered = new Set(ctx.blueprints.filter((b) => b.register).map((b) => b.key));
  const changes = report.roles.flatMap((r) => r.changes.map((c) => `${r.roleName}: ${c}`));
  return {
    detailType: type,
    detail: {
      schemaVersion: 1,
      accountId: report.accountId,
      installationId: ctx.installationId,
      action: report.action,
      inScope: report.inScope,
      scopeReason: report.scopeReason,
      reason: report.error?.message ?? (changes.join('; ') || report.action),
      ...(ctx.trigger ? { trigger: ctx.trigger } : {}),
      roles: report.roles.map((r) => ({
        blueprint: r.blueprint,
        roleName: r.roleName,
        ...(registered.has(r.blueprint) ? { veeamEntryName: entryName(report.accountId, r.blueprint) } : {}),
        role: r.role,
        veeam: r.veeam,
      })),
      ...(report.error ? { error: report.error } : {}),
    },
  };
}

function detailTypeOf(report: AccountReport, ctx: LifecycleContext): AccountDetailType | undefined {
  if (report.action === 'error') {
    return report.error?.retryable && ctx.lastAttempt === false ? undefined : DETAIL_TYPES.protectionFailed;
  }
  if (!report.inScope) {
    const removed = report.roles.some((r) => r.role === 'removed' || r.veeam === 'removed');
    return report.action === 'offboard' && removed ? DETAIL_TYPES.offboarded : undefined;
  }
  if (report.action === 'conflict') return DETAIL_TYPES.protectionFailed;
  if (report.action === 'rotate')
    return report.roles.some((r) => r.rotation === 'completed') ? DETAIL_TYPES.rotated : undefined;
  if (ctx.organizationMode) return undefined;
  return PROTECTING.has(report.action) ? DETAIL_TYPES.protected : undefined;
}

/**
 * Puts the event a report implies, if any. Never fails the account: the change is made and reported either way, so
 * an undeliverable event is a WARN and the LifecycleEventsFailed metric (on the dashboard), not a retry.
 */
export async function emitLifecycleEvent(
  deps: Deps,
  report: AccountReport,
  opts: { trigger?: string; lastAttempt?: boolean } = {},
): Promise<void> {
  if (!deps.lifecycle) return;
  const event = lifecycleEventOf(report, {
    installationId: deps.config.installationId,
    blueprints: deps.blueprints,
    ...(deps.config.veeamMode === 'organization' ? { organizationMode: true } : {}),
    ...opts,
  });
  if (event?.detailType === DETAIL_TYPES.protectionFailed) {
    if (await announceFailureOnce(deps, report)) await publishOrWarn(deps, event);
    return;
  }
  if (event) await publishOrWarn(deps, event);
  // Protected (or converged) again: a later failure is a change, announced again.
  if (!report.dryRun && report.inScope && report.action !== 'error' && report.action !== 'conflict')
    await forgetFailure(deps, report.accountId);
}

/**
 * What a failure is, for "once per change": a conflict by its reason (which role, whose), an error by its code. The
 * same failure again on the next run is no change; another one, or one after the account was protected again, is.
 */
export function failureSignature(report: AccountReport): string {
  return report.action === 'conflict'
    ? `conflict:${report.roles.flatMap((r) => (r.role === 'conflict' || r.veeam === 'conflict' ? r.changes : [])).join('; ')}`
    : `error:${report.error?.code ?? 'unknown'}`;
}

const failedKey = (accountId: string) => `announced#protection-failed#${accountId}`;

/** true when this failure was not announced yet (and now is recorded as announced). A state failure: announce. */
async function announceFailureOnce(deps: Deps, report: AccountReport): Promise<boolean> {
  const signature = failureSignature(report);
  try {
    return await updateState<string, boolean>(sharedState(deps), failedKey(report.accountId), (cur) =>
      cur === signature ? { result: false } : { next: signature, result: true },
    );
  } catch (err) {
    logger.warn('lifecycle announcement state not read; announcing', { error: describeError(err) });
    return true;
  }
}

async function forgetFailure(deps: Deps, accountId: string): Promise<void> {
  try {
    await updateState<string, void>(sharedState(deps), failedKey(accountId), (cur) =>
      cur ? { next: '', result: undefined } : { result: undefined },
    );
  } catch (err) {
    logger.warn('lifecycle announcement state not written', { accountId, error: describeError(err) });
  }
}

export async function publishOrWarn(deps: Deps, event: LifecycleEvent): Promise<void> {
  try {
    await deps.lifecycle?.publish([event]);
  } catch (err) {
    const { code, message } = describeError(err);
    logger.warn('lifecycle event not delivered', {
      detailType: event.detailType,
      ...('accountId' in event.detail ? { accountId: event.detail.accountId } : {}),
      eventBusName: deps.config.eventBusName,
      code,
      reason: message,
    });
    countMetric(METRIC.LifecycleEventsFailed);
  }
}
