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
import type { VeeamEntry } from '../veeam/types';

export interface ConvergeOptions {
  dryRun: boolean;
  /** Why it was called (event name, 'reconcile', 'manual'): logged only, never decides anything. */
  reason?: string;
  /**
   * What a reconcile plan read (scope, this account's Veeam entries under any name), so it is not read again.
   * `listedAt` set: the listing is not from this very moment (a queued plan), so the entries under our names are
   * searched again and the plan only adds the others.
   */
  known?: { scope: ScopeDecision; entries: VeeamEntry[]; listedAt?: Date };
}

/**
 * The one convergence path: events, reconcile, the CLI and the sandbox all call this. Level-triggered: it
 * ignores why it was called, reads Organizations, IAM and Veeam, and converges the account to its desired state
 * (protected when in scope, offboarded per OFFBOARD_MODE when not).
 */
export function convergeAccount(deps: Deps, accountId: string, opts: ConvergeOptions): Promise<AccountReport> {
  const log = logger.createChild({ persistentKeys: { accountId } });
  return runForAccount(
    deps,
    accountId,
    { dryRun: opts.dryRun, what: 'account convergence', ...(opts.known ? { scope: opts.known.scope } : {}) },
    async (scope) => {
      if (!scope.inScope) {
        log.info('account not in scope', { reason: scope.reason, trigger: opts.reason });
        return offboardAccount(deps, accountId, scope.reason, opts);
      }
      const ctx = await openAccount(deps, accountId, opts.dryRun, opts.known?.entries, {
        searchAgain: opts.known?.listedAt !== undefined,
      });
      const roles: RoleReport[] = [];
      // One round trip reads every role (about 5 calls, well inside IAM's per-account read rate); the writes, when
      // any, run one role after the other, as IAM's lower per-account write rate asks.
      const snapshots = await Promise.all(deps.blueprints.map((bp) => ctx.roles.read(bp)));
      for (const [i, bp] of deps.blueprints.entries()) {
        const outcome = await convergeRole(ctx, bp, snapshots[i]);
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
}
