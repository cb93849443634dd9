import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AccountReport } from './report';

let instance: Metrics | undefined;

/**
 * EMF metrics, published by the handlers' logMetrics middleware. Created on first use so the CLI and the
 * sandbox can set POWERTOOLS_METRICS_DISABLED first: terminals show reports, not EMF blobs.
 */
export function metrics(): Metrics {
  instance ??= new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'VeeamOrgSync', serviceName: 'veeam-org-sync' });
  return instance;
}

const METRIC_OF: Record<AccountReport['action'], string | undefined> = {
  ok: 'AccountsConverged',
  create: 'AccountsRegistered',
  repair: 'AccountsRepaired',
  register: 'AccountsRegistered',
  update: 'AccountsRegistered',
  offboard: 'AccountsOffboarded',
  rotate: 'AccountsRotated',
  conflict: 'AccountsFailed',
  error: 'AccountsFailed',
  skip: undefined,
};

export function recordAccount(report: AccountReport): void {
  const name = METRIC_OF[report.action];
  if (name) metrics().addMetric(name, MetricUnit.Count, 1);
}

export function recordInScope(count: number): void {
  metrics().addMetric('AccountsInScope', MetricUnit.Count, count);
}
