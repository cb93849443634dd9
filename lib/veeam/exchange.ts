import type { Logger } from '@aws-lambda-powertools/logger';
import { RetryableError } from '../errors';
import { NetworkError, VeeamApiError, VeeamTlsError } from './errors';
import { backoffDelay } from '../util/backoff';
import { parseRetryAfter, type RetryPolicy } from './retry-policy';
import { recordVeeamRequestFailed } from './request-failures';
import type { HttpRequest, HttpResponse, Transport } from './http';
import { isVersionProblem, parseProblem } from './problems';
import type { Sleep } from '../util/sleep';
import type { ApplianceSession } from './session-cache';

export type VeeamLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;
export type Query = Record<string, string | number | undefined>;
export type Send = (
  method: HttpRequest['method'],
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
  query?: Query,
) => Promise<HttpResponse>;

export interface ExchangeDeps {
  transport: Transport;
  /** The appliance base URL (origin plus an optional path prefix). */
  base: URL;
  /** Preferred x-api-version first. */
  versions: string[];
  session: ApplianceSession;
  retry: RetryPolicy;
  log: VeeamLogger;
  sleep: Sleep;
  now: () => number;
  random: () => number;
  stats: { requests: number };
}

export function createSend(d: ExchangeDeps): Send {
  const { transport, base, versions, session, retry, log, sleep, now, random, stats } = d;

  function url(path: string, query?: Query): URL {
    const u = new URL(base.pathname.replace(/\/$/, '') + path, base.origin);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /**
   * One HTTP exchange with x-api-version negotiation and transient-failure retries. Only method, path, status and
   * duration are logged: bodies carry passwords, tokens and external IDs.
   */
  async function send(
    method: HttpRequest['method'],
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    query?: Query,
  ): Promise<HttpResponse> {
    const target = url(path, query);
    const shown = `${target.pathname}${target.search}`;
    for (let attempt = 1; ;) {
      const version = session.apiVersion ?? versions[0]!;
      const started = now();
      stats.requests++;
      let res: HttpResponse;
      try {
        res = await transport({
          method,
          url: target,
          headers: { accept: 'application/json', 'x-api-version': version, ...headers },
          ...(body !== undefined ? { body } : {}),
        });
      } catch (err) {
        if (err instanceof VeeamTlsError || !(err instanceof NetworkError)) {
          recordVeeamRequestFailed();
          throw err;
        }
        log.warn('Veeam request failed on the network', { method, path: shown, attempt, error: err.message });
        if (attempt >= retry.maxAttempts) {
          recordVeeamRequestFailed();
          throw new RetryableError(
            `The Veeam appliance at ${base.host} is unreachable after ${attempt} attempts (${err.message}). Check VEEAM_URL, that the Lambda's VPC routes to the appliance, and that its security group allows this port.`,
            { code: 'VeeamUnreachable', cause: err },
          );
        }
        await sleep(backoffDelay(retry, attempt++, random));
        continue;
      }
      log.debug('Veeam request', {
        method,
        path: shown,
        status: res.status,
        durationMs: now() - started,
        apiVersion: version,
      });

      if (isVersionProblem(res.status, parseProblem(res.body))) {
        const next = versions[versions.indexOf(version) + 1];
        if (!next) {
          throw new VeeamApiError(
            `The Veeam appliance accepts none of the REST API revisions tried (${versions.join(', ')}). Set VEEAM_API_VERSION to a revision the appliance supports (see its Swagger UI).`,
            res.status,
            parseProblem(res.body),
            { retryable: false },
          );
        }
        log.info('Veeam refused the API revision; trying an older one', { rejected: version, next });
        session.apiVersion = next;
        continue;
      }
      if (res.status < 500) session.apiVersion = version;

      if ((res.status === 429 || res.status >= 500) && attempt < retry.maxAttempts) {
        const wait = parseRetryAfter(res.headers['retry-after'], now()) ?? backoffDelay(retry, attempt, random);
        if (wait <= retry.maxRetryAfterMs) {
          log.warn('Veeam request will be retried', { method, path: shown, status: res.status, attempt, waitMs: wait });
          attempt++;
          await sleep(wait);
          continue;
        }
      }
      return res;
    }
  }

  return send;
}
