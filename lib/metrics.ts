import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './log';

let instance: Metrics | undefined;

const NOTHING_TO_PUBLISH = /^No application metrics to publish/;

/**
 * Where Powertools Metrics reports its own diagnostics. By default it writes them to the console as plain text,
 * which breaks "every line is JSON" (Logs Insights, metric filters); through our logger they are JSON lines with
 * the invocation's keys. "No application metrics to publish" is normal here (an out-of-scope account, a dry run
 * publish nothing), so it is DEBUG rather than a warning on every such invocation.
 */
const metricsDiagnostics = {
  debug: (...content: unknown[]) => logger.debug(String(content[0])),
  info: (...content: unknown[]) => logger.info(String(content[0])),
  warn: (...content: unknown[]) => {
    const message = String(content[0]);
    if (NOTHING_TO_PUBLISH.test(message)) logger.debug(message);
    else logger.warn(message);
  },
  error: (...content: unknown[]) => logger.error(String(content[0])),
};

/**
 * EMF metrics, published by the handlers' logMetrics middleware. Created on first use so the CLI and the
 * sandbox can set POWERTOOLS_METRICS_DISABLED first: terminals show reports, not EMF blobs.
 */
export function metrics(): Metrics {
  instance ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'VeeamOrgSync',
    serviceName: 'veeam-org-sync',
    logger: metricsDiagnostics,
  });
  return instance;
}

/**
 * Every metric the service publishes, by name: the alarms and the dashboard (resources/*.yml, serverless.yml) refer
 * to these names, and test/template checks that they do. Counts, all of them.
 */
export const METRIC = {
  /** Accounts a reconcile found in scope. */
  AccountsInScope: 'AccountsInScope',
  /** Accounts known not to be protected (conflicts, failures); alarmed. */
  AccountsNotProtected: 'AccountsNotProtected',
  /** Accounts a reconcile did not offboard because there were more than OFFBOARD_MAX_PER_RUN; alarmed. */
  OffboardingHeld: 'OffboardingHeld',
  AccountsConverged: 'AccountsConverged',
  AccountsRegistered: 'AccountsRegistered',
  AccountsRepaired: 'AccountsRepaired',
  AccountsOffboarded: 'AccountsOffboarded',
  AccountsRotated: 'AccountsRotated',
  AccountsFailed: 'AccountsFailed',
  /** Veeam REST requests that failed after their retries. */
  VeeamRequestsFailed: 'VeeamRequestsFailed',
  LifecycleEventsFailed: 'LifecycleEventsFailed',
  /** Account requests the worker parked in its DLQ, with the reason. */
  RequestsDeadLettered: 'RequestsDeadLettered',
  RotationsEnqueued: 'RotationsEnqueued',
  EventsEnqueued: 'EventsEnqueued',
  EventsRejected: 'EventsRejected',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Adds `value` to a count metric of this invocation (published by the handlers' logMetrics middleware). */
export function countMetric(name: MetricName, value = 1): void {
  metrics().addMetric(name, MetricUnit.Count, value);
}

export function recordInScope(count: number): void {
  countMetric(METRIC.AccountsInScope, count);
}

/** In-scope accounts this run knows are not protected (conflicts, failures); the AccountsNotProtected alarm. */
export function recordNotProtected(count: number): void {
  countMetric(METRIC.AccountsNotProtected, count);
}

/** Accounts a reconcile did not offboard because there were more than OFFBOARD_MAX_PER_RUN; the alarm. */
export function recordOffboardingHeld(count: number): void {
  countMetric(METRIC.OffboardingHeld, count);
}
