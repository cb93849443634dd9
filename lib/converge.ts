import { accountAction } from './account-action';
import { openAccount } from './account-context';
import { convergeRole } from './converge-role';
import { advanceRotation } from './rotation';
import type { Deps } from './deps';
import { assertAccountId } from './account-id';
import { describeError } from './errors';
import { logger } from './log';
import { offboardAccount } from './offboard';
import { scopeOf } from './org/scope';
import type { AccountReport } from './report';

/**
 * The one convergence path: events, reconcile, the CLI and the sandbox all call this. Level-triggered: it
 * ignores why it was called, reads Organizations, IAM and Veeam, and converges the account to its desired state
 * (protected when in scope, offboarded per OFFBOARD_MODE when not). Failures come back in the report with
 * `retryable`, so callers decide requeue vs DLQ from one place.
 */
export async function convergeAccount(deps: Deps, accountId: string, opts: { dryRun: boolean; reason?: string }): Promise<AccountReport> {
  const log = logger.createChild({ persistentKeys: { accountId } });
  const base = { accountId, dryRun: opts.dryRun };
  let scope: { inScope: boolean; reason: string } | undefined;
  try {
    assertAccountId(accountId);
    scope = await scopeOf(deps.org, deps.config, accountId);
    if (!scope.inScope) {
      log.info('account not in scope', { reason: scope.reason, trigger: opts.reason });
      return await offboardAccount(deps, accountId, scope.reason, opts);
    }
    const ctx = await openAccount(deps, accountId, opts.dryRun);
    const roles = [];
    // Roles of one account run one after the other: IAM rate limits are per account.
    for (const bp of deps.blueprints) {
      const outcome = await convergeRole(ctx, bp);
      // A rotation that stopped half-way (timeout, DLQ) is finished here instead of at the next due date.
      roles.push(outcome.state?.rotating && !opts.dryRun ? await advanceRotation(ctx, bp, outcome) : outcome.report);
    }
    const report: AccountReport = { ...base, inScope: true, scopeReason: scope.reason, action: accountAction(roles), roles };
    log.info('account converged', { action: report.action, dryRun: opts.dryRun, trigger: opts.reason, changes: roles.flatMap((r) => r.changes) });
    return report;
  } catch (err) {
    const error = describeError(err);
    log.error('account convergence failed', { error, trigger: opts.reason });
    return { ...base, inScope: scope?.inScope ?? false, scopeReason: scope?.reason ?? 'unknown: failed before the scope was read', action: 'error', roles: [], error };
  }
}
