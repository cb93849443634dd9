import { countMetric, METRIC } from '../metrics';

/**
 * One Veeam request that ended without the answer we needed: unreachable after its retries, TLS refused, or a status
 * the operation does not accept (after the 5xx/429 retries). The dashboard plots it beside the worker's errors.
 */
export function recordVeeamRequestFailed(): void {
  countMetric(METRIC.VeeamRequestsFailed);
}
