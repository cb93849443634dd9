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
