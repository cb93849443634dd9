import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../metrics';
import type { AccountReport } from './account-report';

/** One metric per account outcome; what the alarms and the dashboard count. */
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
