import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from '../lib/log';
import { metrics } from '../lib/metrics';

/**
 * Every handler gets the same adapters: Lambda context in each log line (keys reset per invocation so one
 * account's correlation id never leaks into the next) and EMF metrics flushed at the end, cold start included.
 */
export function wrap<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics(), { captureColdStartMetric: true }));
}
