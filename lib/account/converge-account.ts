import { accountAction } from './account-action';
import { openAccount } from './account-context';
import { runForAccount } from './run-for-account';
import { convergeRole } from './converge-role';
import type { Deps } from '../deps';
import { logger } from '../log';
import { offboardAccount } from './offboard-account';
import type { ScopeDecision } from '../org/scope';
import type { AccountReport, RoleReport } from './account-report';
import { advanceRotation } from './rotate-account';
import { emitLifecycleEvent } from './lifecycle-event';
import type { VeeamEntry } from '../veeam/types';

export interface ConvergeOptions {
  dryRun: boolean;
  /** Why it was called (event name, 'reconcile', 'manual'): logged only, never decides anything. */
  reason?: string;
  /** What a reconcile plan read moments ago (scope, this account's Veeam entries), so it is not read again. */
  known?: { scope: ScopeDecision; entries: VeeamEntry[] };
  /** false while the worker will retry a retryable failure: no lifecycle event for it yet (default true). */
  lastAttempt?: boolean;
}

/**
 * The one convergence path: events, reconcile, the CLI and the sandbox all call this. Level-triggered: it
 * ignores why it was called, reads Organizations, IAM and Veeam, and converges the account to its desired state
 * (protected when in scope, offboarded per OFFBOARD_MODE when not).
 */
export async function convergeAccount(deps: Deps, accountId: string, opts: ConvergeOptions): Promise<AccountReport> {
  const log = logger.createChild({ persistentKeys: { accountId } });
  const report = await runForAccount(
    deps,
    accountId,
    { dryRun: opts.dryRun, what: 'account convergence', ...(opts.known ? { scope: opts.known.scope } : {}) },
    async (scope) => {
      if (!scope.inScope) {
        log.info('account not in scope', { reason: scope.reason, trigger: opts.reason });
        return offboardAccount(deps, accountId, scope.reason, opts);
      }
      const ctx = await openAccount(deps, accountId, opts.dryRun, opts.known?.entries);
      const roles: RoleReport[] = [];
      // Roles of one account run one after the other: IAM rate limits are per account.
      for (const bp of deps.blueprints) {
        const outcome = await convergeRole(ctx, bp);
        // A rotation that stopped half-way (timeout, DLQ) is finished here instead of at the next due date.
        roles.push(outcome.state?.rotating && !opts.dryRun ? await advanceRotation(ctx, bp, outcome) : outcome.report);
      }
      const report: AccountReport = {
        accountId,
        dryRun: opts.dryRun,
        inScope: true,
        scopeReason: scope.reason,
        action: accountAction(roles),
        roles,
      };
      log.info('account converged', {
        action: report.action,
        dryRun: opts.dryRun,
        trigger: opts.reason,
        changes: roles.flatMap((r) => r.changes),
      });
      return report;
    },
  );
  await emitLifecycleEvent(deps, report, {
    ...(opts.reason ? { trigger: opts.reason } : {}),
    ...(opts.lastAttempt === false ? { lastAttempt: false } : {}),
  });
  return report;
}
