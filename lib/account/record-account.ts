import { logger } from '../log';
import { countMetric, METRIC, type MetricName } from '../metrics';
import type { AccountReport } from './account-report';

/** One metric per account outcome; what the alarms and the dashboard count. */
const METRIC_OF: Record<AccountReport['action'], MetricName | undefined> = {
  ok: METRIC.AccountsConverged,
  create: METRIC.AccountsRegistered,
  repair: METRIC.AccountsRepaired,
  register: METRIC.AccountsRegistered,
  update: METRIC.AccountsRegistered,
  offboard: METRIC.AccountsOffboarded,
  rotate: METRIC.AccountsRotated,
  conflict: METRIC.AccountsFailed,
  error: METRIC.AccountsFailed,
  skip: undefined,
  // Counted as OffboardingHeld where the hold is announced (lib/account/offboarding-held.ts).
  held: undefined,
};

/** Why an account is left unprotected, from its report (conflict reasons name the role or entry and the fix). */
export function notProtectedReason(report: AccountReport): string | undefined {
  if (report.action === 'error') return report.error?.message ?? 'failed';
  if (report.action !== 'conflict') return undefined;
  const roles = report.roles.filter((r) => r.role === 'conflict' || r.veeam === 'conflict');
  return roles.flatMap((r) => r.changes).join('; ') || 'conflict';
}

/**
 * One metric per account outcome; what the alarms and the dashboard count. A conflict or a failure is an unprotected
 * account: never silent, it is logged at WARN with the reason and counted in AccountsNotProtected (alarmed). A
 * retryable failure that the queue will deliver again (`lastAttempt: false`: a new account's access role not there
 * yet, a busy appliance) is not that yet: logged at INFO, and counted only if its last attempt fails too.
 */
export function recordAccount(report: AccountReport, opts: { lastAttempt?: boolean } = {}): void {
  const name = METRIC_OF[report.action];
  if (name) countMetric(name);
  const reason = notProtectedReason(report);
  if (reason === undefined) return;
  if (report.error?.retryable && opts.lastAttempt === false) {
    logger.info('account not protected yet; the request will be retried', { accountId: report.accountId, reason });
    return;
  }
  countMetric(METRIC.AccountsNotProtected);
  logger.warn('account not protected', {
    accountId: report.accountId,
    action: report.action,
    inScope: report.inScope,
    scopeReason: report.scopeReason,
    reason,
  });
}
