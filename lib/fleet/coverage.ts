import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishOrWarn } from '../account/lifecycle-event';
import { sharedState } from '../account/shared-state';
import type { AccountCoverage } from '../coverage/decide';
import { readCoverage, type CoverageReport } from '../coverage/read-coverage';
import type { Deps } from '../deps';
import { describeError } from '../errors';
import { DETAIL_TYPES, type LifecycleEvent } from '../lifecycle/types';
import { logger } from '../log';
import { metrics } from '../metrics';
import { updateState } from '../state';
import { planOrganization } from './reconcile';

/** The accounts in scope (one Organizations walk, as a reconcile plans) and which an enabled policy covers. */
export async function organizationCoverage(deps: Deps, opts: { accountIds?: string[] } = {}): Promise<CoverageReport> {
  const { plan } = await planOrganization(deps, { explain: false, ...(opts.accountIds ? opts : {}) });
  const inScope = plan.accounts.filter((a) => a.action === 'ok' || a.action === 'register').map((a) => a.accountId);
  return readCoverage({ veeam: deps.veeam, org: deps.org, concurrency: deps.config.concurrency }, inScope);
}

/** Key of what was announced: account id → the reason it was not covered. */
export const NOT_COVERED_KEY = 'announced#not-covered';
type Announced = Record<string, string>;

/** Pure: the accounts that became uncovered since `before`, and what to remember now. */
export function notCoveredChanges(
  before: Announced,
  accounts: AccountCoverage[],
): { newly: AccountCoverage[]; next: Announced } {
  const next: Announced = {};
  for (const a of accounts) if (!a.covered) next[a.accountId] = a.reason ?? 'not covered';
  return { newly: accounts.filter((a) => !a.covered && !(a.accountId in before)), next };
}

const sameKeys = (a: Announced, b: Announced) =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => k in b);

/**
 * The scheduled reconcile's coverage check: the AccountsNotCovered metric (alarmed on the dashboard) every run, and an
 * `Account Not Covered` event once when an account becomes uncovered (remembered in the state store, so not on every
 * run; covered again, it is forgotten and a later change is announced again). Read only on the appliance; a failure
 * is a WARN, never a failed reconcile.
 */
export async function announceCoverage(deps: Deps): Promise<CoverageReport | undefined> {
  let report: CoverageReport;
  try {
    report = await organizationCoverage(deps);
  } catch (err) {
    logger.warn('coverage not read', { error: describeError(err) });
    return undefined;
  }
  metrics().addMetric('AccountsNotCovered', MetricUnit.Count, report.totals.notCovered);
  if (report.failedPolicies.length)
    logger.warn('backup policies whose last session failed', { policies: report.failedPolicies });
  if (report.skippedCollections.length)
    logger.info('policy collections this revision does not have', {
      collections: report.skippedCollections.map((c) => c.path),
    });
  const newly = await updateState<Announced, AccountCoverage[]>(sharedState(deps), NOT_COVERED_KEY, (cur = {}) => {
    const { newly, next } = notCoveredChanges(cur, report.accounts);
    return sameKeys(cur, next) ? { result: newly } : { next, result: newly };
  });
  for (const a of newly) await publishOrWarn(deps, notCoveredEvent(deps, a));
  return report;
}

export function notCoveredEvent(deps: Pick<Deps, 'config'>, a: AccountCoverage): LifecycleEvent {
  return {
    detailType: DETAIL_TYPES.notCovered,
    detail: {
      schemaVersion: 1,
      accountId: a.accountId,
      installationId: deps.config.installationId,
      veeamMode: deps.config.veeamMode,
      reason: a.reason ?? 'not covered',
      policies: a.policies.map((p) => ({ name: p.name, workload: p.workload, enabled: p.enabled })),
    },
  };
}
