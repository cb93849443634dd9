import type { Config } from '../config';
import { RetryableError } from '../errors';
import { VeeamApiError } from './errors';
import { logger as defaultLogger } from '../log';
import type { SecretSource } from '../secrets/types';
import { sleep as realSleep, type Sleep } from '../util/sleep';
import { createAuth } from './auth';
import { DEFAULT_RETRY, type RetryPolicy } from './retry-policy';
import { recordVeeamRequestFailed } from './request-failures';
import { toAccountSpecJson, toEntry, toRoleEntry } from './entries';
import { memoUntilFailure } from '../util/memo-until-failure';
import { createSend, type Query, type VeeamLogger } from './exchange';
import { createHttpsTransport, type HttpRequest, type HttpResponse, type Transport } from './http';
import { isExpiredToken, parseProblem, problemName, toVeeamApiError } from './problems';
import { pollDelayMs, sessionOutcome } from './session';
import { defaultSessionCache, sessionFor, type ApplianceSession, type SessionCache } from './session-cache';
import type { ValidationMessage, VeeamApi, VeeamEntry, VeeamEntrySpec, VeeamRoleEntry, VeeamSession } from './types';

export type { VeeamLogger } from './exchange';

export interface VeeamClientOptions {
  config: Pick<Config, 'veeamUrl' | 'veeamApiVersions' | 'veeamSecretId' | 'veeamCertSha256'>;
  secrets: SecretSource;
  logger?: VeeamLogger;
  sleep?: Sleep;
  /** Epoch ms; injectable so tests can move past token expiry. */
  now?: () => number;
  random?: () => number;
  /** Per request (connect + TLS + response). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Limit asked for per page of GET /accounts/amazon. */
  pageSize?: number;
  /** Longest wait between two polls of a session (the first polls come sooner). */
  pollIntervalMs?: number;
  /** Refresh this long before the access token expires (capped at half its lifetime for short-lived tokens). */
  tokenRefreshMarginMs?: number;
  /** Where tokens live between invocations; module scope by default. */
  sessionCache?: SessionCache;
  /** Replaces node:https (only for tests of the transport-independent logic). */
  transport?: Transport;
}

/** A VeeamApi that logs in lazily (at most once per invocation while the cached token is valid). */
export interface VeeamClient extends VeeamApi {
  /** Makes sure a valid token is held: reuses the warm one, refreshes it, or logs in. */
  login(): Promise<void>;
  /** DELETE /api/v1/token and forget the token (tests; Lambdas keep it for the next warm invocation). */
  logout(): Promise<void>;
  /** The x-api-version in use once negotiated. */
  readonly apiVersion: string | undefined;
}

const ACCOUNTS = '/api/v1/accounts/amazon';

interface CallOptions {
  query?: Query;
  json?: unknown;
}

export function createVeeamClient(opts: VeeamClientOptions): VeeamClient {
  const { config, secrets } = opts;
  const log = opts.logger ?? defaultLogger;
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const pageSize = opts.pageSize ?? 500;
  const pollIntervalMs = opts.pollIntervalMs ?? 2_000;
  const marginMs = opts.tokenRefreshMarginMs ?? 60_000;
  const versions = config.veeamApiVersions.length ? config.veeamApiVersions : ['1.9-rev0'];
  const transport = opts.transport ?? createHttpsTransport({ certSha256: config.veeamCertSha256, timeoutMs });
  const base = new URL(config.veeamUrl.href.replace(/\/+$/, ''));
  const session: ApplianceSession = sessionFor(
    opts.sessionCache ?? defaultSessionCache(),
    `${base.origin}|${config.veeamSecretId}|${versions.join(',')}`,
  );
  const stats = { logins: 0, refreshes: 0, requests: 0 };

  const send = createSend({ transport, base, versions, session, retry, log, sleep, now, random, stats });
  const auth = createAuth({ send, secrets, session, stats, log, now, marginMs });

  /** An authenticated call; a 401 gets one refresh/re-login and one retry. */
  async function call(method: HttpRequest['method'], path: string, o: CallOptions = {}): Promise<HttpResponse> {
    const body = o.json === undefined ? undefined : JSON.stringify(o.json);
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    let t = await auth.token();
    for (let renewed = false; ; renewed = true) {
      const res = await send(method, path, { ...headers, authorization: `Bearer ${t.accessToken}` }, body, o.query);
      if (res.status !== 401 || renewed) return res;
      const p = parseProblem(res.body);
      log.info('Veeam token not accepted; renewing', { problem: problemName(p) });
      if (session.token === t) {
        // Expired: the refresh grant is enough. Otherwise (appliance restarted, token revoked) log in again.
        session.token = undefined;
        t = await auth.renew(isExpiredToken(res.status, p) ? t : undefined);
      } else {
        t = await auth.token();
      }
    }
  }

  function ensureStatus(res: HttpResponse, ok: number[], method: string, path: string): HttpResponse {
    if (!ok.includes(res.status)) {
      recordVeeamRequestFailed();
      throw toVeeamApiError(method, path, res);
    }
    return res;
  }

  function json<T>(res: HttpResponse, what: string): T {
    if (!res.body.trim()) return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new VeeamApiError(`Veeam ${what} returned a body that is not JSON.`, res.status, {}, { retryable: true });
    }
  }

  /** Every item of a paged collection; 'not-found' when the path answers 404 (and `missingOk`). */
  async function listPaged(path: string, query: Query = {}, missingOk = false): Promise<unknown[] | 'not-found'> {
    const out: unknown[] = [];
    for (let offset = 0, pages = 0; ; pages++) {
      const res = await call('GET', path, { query: { ...query, Offset: offset, Limit: pageSize } });
      if (missingOk && res.status === 404 && pages === 0) return 'not-found';
      ensureStatus(res, [200], 'GET', path);
      const page = json<{ results?: unknown[]; totalCount?: number } | undefined>(res, `GET ${path}`) ?? {};
      const results = Array.isArray(page.results) ? page.results : [];
      out.push(...results);
      offset += results.length;
      const total = typeof page.totalCount === 'number' ? page.totalCount : offset;
      // The page cap guards against an appliance that keeps answering with a wrong totalCount.
      if (results.length === 0 || offset >= total || pages > 10_000) return out;
    }
  }

  async function listEntries(o: { searchPattern?: string } = {}): Promise<VeeamEntry[]> {
    return ((await listPaged(ACCOUNTS, { SearchPattern: o.searchPattern })) as unknown[]).map(toEntry);
  }

  async function listRoleEntries(): Promise<VeeamRoleEntry[]> {
    return ((await listPaged(ACCOUNTS)) as unknown[]).map(toRoleEntry);
  }

  const version = memoUntilFailure(async (): Promise<string | undefined> => {
    const path = '/api/v1/system/version';
    const res = await call('GET', path);
    if (res.status === 404) return undefined;
    const v = json<{ version?: unknown } | undefined>(ensureStatus(res, [200], 'GET', path), `GET ${path}`)?.version;
    return typeof v === 'string' && v ? v : undefined;
  });

  async function rescanOrganization(rescanIamRoleId: string, storage: 'Database' | 'InMemory' = 'Database') {
    const path = '/api/v1/organizations/amazon/rescan';
    ensureStatus(
      await call('POST', path, { json: { rescanIamRoleId, rescanStorageType: storage } }),
      [200, 202],
      'POST',
      path,
    );
  }

  async function createEntry(spec: VeeamEntrySpec): Promise<VeeamEntry> {
    const res = ensureStatus(
      await call('POST', ACCOUNTS, { json: toAccountSpecJson(spec) }),
      [200, 201],
      'POST',
      ACCOUNTS,
    );
    return toEntry(json(res, `POST ${ACCOUNTS}`));
  }

  async function updateEntry(id: string, spec: VeeamEntrySpec): Promise<VeeamEntry> {
    const path = `${ACCOUNTS}/${encodeURIComponent(id)}`;
    const res = ensureStatus(await call('PUT', path, { json: toAccountSpecJson(spec) }), [200], 'PUT', path);
    return toEntry(json(res, `PUT ${path}`));
  }

  async function validateDelete(id: string): Promise<ValidationMessage[]> {
    const path = `${ACCOUNTS}/${encodeURIComponent(id)}/validateDelete`;
    const res = ensureStatus(await call('POST', path), [200], 'POST', path);
    const list = json<unknown>(res, `POST ${path}`);
    return Array.isArray(list) ? (list as ValidationMessage[]) : [];
  }

  async function deleteEntry(id: string): Promise<'deleted' | 'already-gone'> {
    const path = `${ACCOUNTS}/${encodeURIComponent(id)}`;
    const res = await call('DELETE', path);
    if (res.status === 404) return 'already-gone';
    ensureStatus(res, [200, 204], 'DELETE', path);
    return 'deleted';
  }

  async function rescanAndWait(id: string, o: { timeoutMs?: number } = {}): Promise<VeeamSession> {
    const path = `${ACCOUNTS}/${encodeURIComponent(id)}/rescan`;
    // RescanCloudAccountSpec is a required body whose regionIds is optional: without it the appliance rescans
    // every region it knows (the vendor's documented default). An empty list would name no region at all.
    const res = ensureStatus(await call('POST', path, { json: {} }), [200, 202], 'POST', path);
    const sessionId = json<{ sessionId?: unknown } | undefined>(res, `POST ${path}`)?.sessionId;
    if (typeof sessionId !== 'string')
      throw new VeeamApiError(`Veeam POST ${path} returned no sessionId.`, res.status, {}, { retryable: true });
    const timeoutMs = o.timeoutMs ?? 300_000;
    const deadline = now() + timeoutMs;
    const sessionPath = `/api/v1/sessions/${encodeURIComponent(sessionId)}`;
    for (let poll = 0; ; poll++) {
      const s =
        json<Record<string, unknown> | undefined>(
          ensureStatus(await call('GET', sessionPath), [200], 'GET', sessionPath),
          `GET ${sessionPath}`,
        ) ?? {};
      const session: VeeamSession = {
        id: sessionId,
        status: typeof s.status === 'string' ? s.status : '',
        result: typeof s.result === 'string' ? s.result : '',
        ...(typeof s.reason === 'string' && s.reason ? { reason: s.reason } : {}),
      };
      if (sessionOutcome(session) !== 'running') return session;
      if (now() >= deadline)
        throw new RetryableError(
          `Veeam rescan session ${sessionId} for entry ${id} is still running after ${timeoutMs} ms; the next run rescans again.`,
          { code: 'VeeamSessionTimeout' },
        );
      await sleep(Math.min(pollDelayMs(poll, pollIntervalMs), Math.max(1, deadline - now())));
    }
  }

  return {
    stats,
    get apiVersion() {
      return session.apiVersion;
    },
    login: async () => {
      await auth.token();
    },
    logout: () => auth.logout(),
    listEntries,
    listRoleEntries,
    listCollection: (path: string) => listPaged(path, {}, true),
    systemVersion: () => version.get(),
    rescanOrganization,
    createEntry,
    updateEntry,
    validateDelete,
    deleteEntry,
    rescanAndWait,
  };
}
