import { accountAction } from './account-action';
import { openAccount } from './account-context';
import { runForAccount } from './run-for-account';
import { decideAgainOnConcurrentChange } from './concurrent';
import { convergeRole } from './converge-role';
import type { Deps } from '../deps';
import { logger } from '../log';
import { offboardAccount } from './offboard-account';
import { scopeOf, type ScopeDecision } from '../organizations/scope';
import type { AccountReport, RoleReport } from './account-report';
import { advanceRotation } from './rotate-account';
import { emitLifecycleEvent } from './lifecycle-event';
import type { VeeamEntry } from '../veeam/types';
import { withApplianceBlueprints } from './appliance-blueprints';
import { convergeOrganizationAccount } from './converge-organization-account';

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
  /** false while the worker will retry a retryable failure: no lifecycle event for it yet (default true). */
  lastAttempt?: boolean;
  /**
   * Organizations mode only: 'deferred' leaves the organization rescan (and the lifecycle event, which depends on
   * it) to the caller, an in-process reconcile that starts one rescan for every account it converged.
   */
  organizationRescan?: 'now' | 'deferred';
}

/**
 * The one convergence path: events, reconcile, the CLI and the sandbox all call this. Level-triggered: it
 * ignores why it was called, reads Organizations, IAM and Veeam, and converges the account to its desired state
 * (protected when in scope, offboarded per OFFBOARD_MODE when not).
 */
export async function convergeAccount(base: Deps, accountId: string, opts: ConvergeOptions): Promise<AccountReport> {
  let deps = base;
  // Not logger.createChild: a child logger has a cold-start flag of its own and would report cold_start: true on
  // every warm invocation. The account id goes on each line instead.
  const report = await runForAccount(
    deps,
    accountId,
    { dryRun: opts.dryRun, what: 'account convergence', ...(opts.known ? { scope: opts.known.scope } : {}) },
    async (planned) => {
      // Defence in depth: an out-of-scope verdict carried in a queued message (listedAt) is never acted on; only the
      // scope read now from Organizations may lead to a removal.
      const scope =
        !planned.inScope && opts.known?.listedAt ? await scopeOf(deps.org, deps.config, accountId) : planned;
      if (!scope.inScope) {
        logger.info('account not in scope', { accountId, reason: scope.reason, trigger: opts.reason });
        return offboardAccount(deps, accountId, scope.reason, opts);
      }
      // --- veeam mode and appliance version (see appliance-blueprints.ts, converge-organization-account.ts) ---
      deps = await withApplianceBlueprints(deps);
      if (deps.config.veeamMode === 'organization')
        return convergeOrganizationAccount(deps, accountId, scope, {
          dryRun: opts.dryRun,
          rescan: opts.organizationRescan ?? 'now',
          ...(opts.reason ? { trigger: opts.reason } : {}),
          ...(opts.known && !opts.known.listedAt ? { entries: opts.known.entries } : {}),
        });
      // --- end veeam mode ---
      const ctx = await openAccount(deps, accountId, opts.dryRun, opts.known?.entries, {
        searchAgain: opts.known?.listedAt !== undefined,
      });
      const roles: RoleReport[] = [];
      // One round trip reads every role (about 5 calls, well inside IAM's per-account read rate); the writes, when
      // any, run one role after the other, as IAM's lower per-account write rate asks. A role decided again after
      // another writer's change is read afresh.
      const snapshots = await Promise.all(deps.blueprints.map((bp) => ctx.roles.read(bp)));
      for (const [i, bp] of deps.blueprints.entries()) {
        roles.push(
          await decideAgainOnConcurrentChange(ctx, bp, async (attempt) => {
            const outcome = await convergeRole(ctx, bp, attempt === 0 ? snapshots[i] : undefined);
            // A rotation that stopped half-way (timeout, DLQ) is finished here instead of at the next due date, on the
            // same terms as the rotate path: never for a role or entry this installation does not own.
            const { report } = outcome;
            const resumable = bp.register && report.role !== 'conflict' && report.veeam !== 'conflict';
            return outcome.state?.rotating && resumable && !opts.dryRun ? advanceRotation(ctx, bp, outcome) : report;
          }),
        );
      }
      const report: AccountReport = {
        accountId,
        dryRun: opts.dryRun,
        inScope: true,
        scopeReason: scope.reason,
        action: accountAction(roles),
        roles,
      };
      logger.info('account converged', {
        accountId,
        action: report.action,
        dryRun: opts.dryRun,
        trigger: opts.reason,
        changes: roles.flatMap((r) => r.changes),
      });
      return report;
    },
  );
  // Organizations mode, deferred: the caller emits once the organization rescan it starts has been accepted.
  if (opts.organizationRescan === 'deferred' && deps.config.veeamMode === 'organization') return report;
  await emitLifecycleEvent(deps, report, {
    ...(opts.reason ? { trigger: opts.reason } : {}),
    ...(opts.lastAttempt === false ? { lastAttempt: false } : {}),
  });
  return report;
}
