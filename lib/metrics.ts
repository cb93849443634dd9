import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

let instance: Metrics | undefined;

/**
 * EMF metrics, published by the handlers' logMetrics middleware. Created on first use so the CLI and the
 * sandbox can set POWERTOOLS_METRICS_DISABLED first: terminals show reports, not EMF blobs.
 */
export function metrics(): Metrics {
  instance ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'VeeamOrgSync',
    serviceName: 'veeam-org-sync',
  });
  return instance;
}

export function recordInScope(count: number): void {
  metrics().addMetric('AccountsInScope', MetricUnit.Count, count);
}

/** In-scope accounts this run knows are not protected (conflicts, failures); the AccountsNotProtected alarm. */
export function recordNotProtected(count: number): void {
  metrics().addMetric('AccountsNotProtected', MetricUnit.Count, count);
}

/** Accounts a reconcile did not offboard because there were more than OFFBOARD_MAX_PER_RUN; the alarm. */
export function recordOffboardingHeld(count: number): void {
  metrics().addMetric('OffboardingHeld', MetricUnit.Count, count);
}
