import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { problems, sendJson, sendProblem, type SimProblem } from './problems';
import type { SimEntry, SimFaults, SimState } from './state';
import { compareApiVersions } from '../../lib/config';

export interface ApiOptions {
  supportedVersions: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Server-side cap on Limit (a real server caps pages too); forces clients to page. */
  maxPageSize: number;
  /** How many GET /sessions/{id} answer Running before the session ends (at least 1). */
  sessionRunningPolls: number;
  assumeCheck?: (accountId: string, roleName: string, externalId: string | undefined) => boolean | Promise<boolean>;
  now: () => number;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  base: string;
  body: string;
}

const ACCOUNTS = '/api/v1/accounts/amazon';
const ID = '([0-9a-fA-F-]{36}|[^/]+)';
const ORG_RESCAN = '/api/v1/organizations/amazon/rescan';

/**
 * Policy collections and the revision that has them: 1.0-rev0's single EC2 collection (gone with the per-workload
 * split of 1.2-rev0), the per-workload ones since. The simulator's own reading of the vendor changelogs; the
 * revisions of the later workloads are its assumption (the client asks for all and skips a 404).
 */
const POLICY_COLLECTIONS: { path: string; since: string; until?: string }[] = [
  { path: '/api/v1/policies', since: '1.0-rev0', until: '1.2-rev0' },
  { path: '/api/v1/virtualMachines/policies', since: '1.2-rev0' },
  { path: '/api/v1/rds/policies', since: '1.2-rev0' },
  { path: '/api/v1/efs/policies', since: '1.2-rev0' },
  { path: '/api/v1/dynamoDb/policies', since: '1.4-rev0' },
  { path: '/api/v1/fsx/policies', since: '1.5-rev0' },
  { path: '/api/v1/redshift/policies', since: '1.6-rev0' },
];
const collectionServed = (path: string, version: string) =>
  POLICY_COLLECTIONS.some(
    (c) =>
      c.path === path &&
      compareApiVersions(version, c.since) >= 0 &&
      (!c.until || compareApiVersions(version, c.until) < 0),
  );

/** Routes of the vendor API that the service uses, as [method, template, pattern]. */
const ROUTES: [string, string, RegExp][] = [
  ['POST', '/api/v1/token', /^\/api\/v1\/token$/],
  ['DELETE', '/api/v1/token', /^\/api\/v1\/token$/],
  ['GET', ACCOUNTS, /^\/api\/v1\/accounts\/amazon$/],
  ['POST', ACCOUNTS, /^\/api\/v1\/accounts\/amazon$/],
  ['POST', `${ACCOUNTS}/validateName`, /^\/api\/v1\/accounts\/amazon\/validateName$/],
  ['GET', `${ACCOUNTS}/{id}`, new RegExp(`^/api/v1/accounts/amazon/${ID}$`)],
  ['PUT', `${ACCOUNTS}/{id}`, new RegExp(`^/api/v1/accounts/amazon/${ID}$`)],
  ['DELETE', `${ACCOUNTS}/{id}`, new RegExp(`^/api/v1/accounts/amazon/${ID}$`)],
  ['POST', `${ACCOUNTS}/{id}/validateDelete`, new RegExp(`^/api/v1/accounts/amazon/${ID}/validateDelete$`)],
  ['POST', `${ACCOUNTS}/{id}/rescan`, new RegExp(`^/api/v1/accounts/amazon/${ID}/rescan$`)],
  ['GET', '/api/v1/sessions/{id}', new RegExp(`^/api/v1/sessions/${ID}$`)],
  ['GET', '/api/v1/system/version', /^\/api\/v1\/system\/version$/],
  ['POST', ORG_RESCAN, /^\/api\/v1\/organizations\/amazon\/rescan$/],
  ...POLICY_COLLECTIONS.map((c): [string, string, RegExp] => [
    'GET',
    c.path,
    new RegExp(`^${c.path.replace(/\//g, '\\/')}$`),
  ]),
];

/** Every method + path template the simulator serves (the contract test checks them against the vendor spec). */
export const SERVED_ROUTES: readonly { method: string; path: string }[] = ROUTES.map(([method, path]) => ({
  method,
  path,
}));

function route(method: string, path: string): { key: string; id?: string } | undefined {
  for (const [m, template, re] of ROUTES) {
    const match = re.exec(path);
    if (match && m === method)
      return { key: `${m} ${template}`, ...(match[1] ? { id: decodeURIComponent(match[1]) } : {}) };
  }
  return undefined;
}

function pathKnown(path: string): boolean {
  return ROUTES.some(([, , re]) => re.test(path));
}

function query(url: URL, name: string): string | undefined {
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** SearchPattern: `*` is a wildcard; a pattern without one matches names containing it. Case-insensitive. */
function matches(name: string, pattern: string | undefined): boolean {
  if (!pattern) return true;
  if (!pattern.includes('*')) return name.toLowerCase().includes(pattern.toLowerCase());
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(name);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RescanCloudAccountSpec as the vendor documents it: the body is required, `regionIds` is optional (absent = all
 * regions) and, when present, lists region UUIDs. An empty list names no region to check, so it is refused.
 */
function rescanSpecProblem(c: Ctx): SimProblem | undefined {
  let body: unknown;
  try {
    body = JSON.parse(c.body);
  } catch {
    return problems.validation('The request body must be a RescanCloudAccountSpec JSON object, e.g. {}.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return problems.validation('The request body must be a RescanCloudAccountSpec JSON object, e.g. {}.');
  const regionIds = (body as { regionIds?: unknown }).regionIds;
  if (regionIds === undefined || regionIds === null) return undefined;
  if (!Array.isArray(regionIds) || regionIds.length === 0)
    return problems.validation(
      'regionIds must list at least one region ID (GET /api/v1/cloudInfrastructure/regions); omit it to rescan all regions.',
    );
  if (!regionIds.every((r) => typeof r === 'string' && UUID.test(r)))
    return problems.validation('regionIds must be region UUIDs.');
  return undefined;
}

export function createApi(state: SimState, faults: SimFaults, o: ApiOptions) {
  const entryJson = (e: SimEntry, base: string) => ({
    id: e.id,
    name: e.name,
    description: e.description,
    awsid: e.kind === 'IAMRoleFromAnotherAccount' ? e.accountId : '000000000000',
    regionType: 'Global',
    ...(e.kind === 'IAMRoleFromAnotherAccount'
      ? {
          IAMRoleFromAnotherAccount: {
            parentAmazonAccountId: state.parentAmazonAccountId,
            accountId: e.accountId,
            roleName: e.roleName,
          },
        }
      : { IAMRole: { parentAmazonAccountId: state.parentAmazonAccountId, roleName: e.roleName, isDefault: false } }),
    _links: [{ rel: 'self', method: 'GET', href: `${base}${ACCOUNTS}/${e.id}` }],
  });

  function authorised(c: Ctx): SimProblem | undefined {
    const h = c.req.headers.authorization;
    const m = h ? /^Bearer (.+)$/i.exec(h) : null;
    if (!m?.[1]) return problems.noAccessToken();
    const grant = state.accessTokens.get(m[1]);
    if (!grant) return problems.invalidAccessToken();
    if (grant.expiresAt <= o.now()) return problems.expiredAccessToken();
    return undefined;
  }

  function parseJson(c: Ctx): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: c.body ? JSON.parse(c.body) : undefined };
    } catch {
      return { ok: false };
    }
  }

  /** AmazonAccountCreateSpec / UpdateSpec checks; stricter than the appliance about unknown properties on purpose. */
  function validateSpec(value: unknown, selfId?: string): SimProblem | Omit<SimEntry, 'id'> {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return problems.validation('The request body must be a JSON object.');
    const b = value as Record<string, unknown>;
    const unknownKeys = Object.keys(b).filter(
      (k) => !['name', 'description', 'accessKeys', 'IAMRole', 'IAMRoleFromAnotherAccount'].includes(k),
    );
    if (unknownKeys.length) return problems.validation(`Unknown properties: ${unknownKeys.join(', ')}.`);
    if (typeof b.name !== 'string' || !b.name.trim()) return problems.validation('The name field is required.');
    if (b.name.length > 255) return problems.validation('The name must be at most 255 characters long.');
    if (b.description !== undefined && b.description !== null && typeof b.description !== 'string')
      return problems.validation('The description must be a string.');
    if (typeof b.description === 'string' && b.description.length > 512)
      return problems.validation('The description must be at most 512 characters long.');
    const kinds = ['accessKeys', 'IAMRole', 'IAMRoleFromAnotherAccount'].filter(
      (k) => b[k] !== undefined && b[k] !== null,
    );
    if (kinds.length !== 1)
      return problems.validation('Exactly one of accessKeys, IAMRole or IAMRoleFromAnotherAccount must be specified.');
    const dup = state.findByName(b.name);
    if (dup && dup.id !== selfId) return problems.validation(`An IAM role with the name "${b.name}" already exists.`);
    const description = typeof b.description === 'string' ? b.description : null;
    if (b.IAMRole) {
      const r = b.IAMRole as Record<string, unknown>;
      if (typeof r.roleName !== 'string' || !r.roleName) return problems.validation('IAMRole.roleName is required.');
      return { name: b.name, description, kind: 'IAMRole', accountId: '', roleName: r.roleName };
    }
    if (b.accessKeys) return problems.validation('accessKeys entries are not supported by this simulator.');
    const x = b.IAMRoleFromAnotherAccount as Record<string, unknown>;
    const extra = Object.keys(x).filter((k) => !['accountId', 'roleName', 'externalId'].includes(k));
    if (extra.length)
      return problems.validation(`Unknown properties in IAMRoleFromAnotherAccount: ${extra.join(', ')}.`);
    if (typeof x.accountId !== 'string' || !x.accountId)
      return problems.validation('IAMRoleFromAnotherAccount.accountId is required.');
    if (typeof x.roleName !== 'string' || !x.roleName)
      return problems.validation('IAMRoleFromAnotherAccount.roleName is required.');
    if (x.externalId !== undefined && typeof x.externalId !== 'string')
      return problems.validation('IAMRoleFromAnotherAccount.externalId must be a string.');
    return {
      name: b.name,
      description,
      kind: 'IAMRoleFromAnotherAccount',
      accountId: x.accountId,
      roleName: x.roleName,
      ...(typeof x.externalId === 'string' ? { externalId: x.externalId } : {}),
    };
  }

  function token(c: Ctx): void {
    if (!/application\/x-www-form-urlencoded/i.test(c.req.headers['content-type'] ?? '')) {
      return sendProblem(
        c.res,
        c.base,
        problems.validation('The token endpoint expects application/x-www-form-urlencoded.'),
      );
    }
    const f = new URLSearchParams(c.body);
    let username: string | undefined;
    const grant = f.get('grant_type');
    if (grant === 'password') {
      const u = f.get('username') ?? '';
      if (!(u in state.users) || state.users[u] !== f.get('password')) {
        state.counters.failedLogins++;
        return sendProblem(c.res, c.base, problems.accessDenied('Invalid user name or password.'));
      }
      username = u;
      state.counters.logins++;
    } else if (grant === 'refresh_token') {
      const rt = f.get('refresh_token') ?? '';
      const g = state.refreshTokens.get(rt);
      if (!g || g.expiresAt <= o.now())
        return sendProblem(c.res, c.base, problems.accessDenied('The refresh token is invalid or expired.'));
      state.refreshTokens.delete(rt);
      username = g.username;
      state.counters.refreshes++;
    } else {
      return sendProblem(c.res, c.base, problems.validation(`Unsupported grant_type "${grant ?? ''}".`));
    }
    const now = o.now();
    const t = state.issueTokens(username, now, o.accessTokenTtlSeconds, o.refreshTokenTtlSeconds);
    sendJson(c.res, 200, {
      access_token: t.access,
      token_type: 'bearer',
      refresh_token: t.refresh,
      expires_in: o.accessTokenTtlSeconds,
      '.issued': new Date(now).toISOString(),
      '.expires': new Date(now + o.accessTokenTtlSeconds * 1000).toISOString(),
      username,
      roleName: 'Portal Administrator',
      mfa_enabled: false,
    });
  }

  /** Organizations collection: REST 1.7-rev0 and later; both body fields required; the entry must exist. */
  function organizationRescan(c: Ctx): void {
    const version = String(c.req.headers['x-api-version']);
    if (compareApiVersions(version, '1.7-rev0') < 0)
      return sendProblem(c.res, c.base, problems.notFound(`No route for ${ORG_RESCAN} in ${version}.`));
    const parsed = parseJson(c);
    const b = parsed.ok ? (parsed.value as Record<string, unknown> | undefined) : undefined;
    if (!b || typeof b !== 'object' || Array.isArray(b))
      return sendProblem(c.res, c.base, problems.validation('The request body must be a JSON object.'));
    const extra = Object.keys(b).filter((k) => !['rescanIamRoleId', 'rescanStorageType'].includes(k));
    if (extra.length)
      return sendProblem(c.res, c.base, problems.validation(`Unknown properties: ${extra.join(', ')}.`));
    if (typeof b.rescanIamRoleId !== 'string' || !UUID.test(b.rescanIamRoleId))
      return sendProblem(c.res, c.base, problems.validation('rescanIamRoleId is required and must be a UUID.'));
    if (b.rescanStorageType !== 'Database' && b.rescanStorageType !== 'InMemory')
      return sendProblem(c.res, c.base, problems.validation('rescanStorageType must be Database or InMemory.'));
    if (!state.entries.has(b.rescanIamRoleId))
      return sendProblem(c.res, c.base, problems.notFound(`IAM role ${b.rescanIamRoleId} was not found.`));
    state.organizationRescans.push({
      rescanIamRoleId: b.rescanIamRoleId,
      rescanStorageType: b.rescanStorageType,
      at: o.now(),
    });
    sendJson(c.res, 202, {});
  }

  /** A policy collection, if the negotiated revision has it (404 otherwise), paged like every collection. */
  function policies(c: Ctx, path: string): void {
    if (!collectionServed(path, String(c.req.headers['x-api-version'])))
      return sendProblem(c.res, c.base, problems.notFound(`No route for ${path}.`));
    const all = state.policies.get(path) ?? [];
    const offset = Math.max(0, Number(query(c.url, 'Offset') ?? 0) || 0);
    const rawLimit = Number(query(c.url, 'Limit') ?? -1);
    const limit = Math.min(rawLimit < 0 || Number.isNaN(rawLimit) ? o.maxPageSize : rawLimit, o.maxPageSize);
    sendJson(c.res, 200, { results: all.slice(offset, offset + limit), totalCount: all.length });
  }

  async function handle(c: Ctx, r: { key: string; id?: string }): Promise<void> {
    const { res, base } = c;
    const entry = r.id ? state.entries.get(r.id) : undefined;
    const needEntry = (): boolean => {
      if (entry) return true;
      sendProblem(res, base, problems.notFound(`IAM role ${r.id ?? ''} was not found.`));
      return false;
    };
    switch (r.key) {
      case 'DELETE /api/v1/token':
        state.accessTokens.delete((c.req.headers.authorization ?? '').replace(/^Bearer /i, ''));
        state.counters.logouts++;
        res.writeHead(204).end();
        return;
      case `GET ${ACCOUNTS}`: {
        const pattern = query(c.url, 'SearchPattern');
        const offset = Math.max(0, Number(query(c.url, 'Offset') ?? 0) || 0);
        const rawLimit = Number(query(c.url, 'Limit') ?? -1);
        const limit = Math.min(rawLimit < 0 || Number.isNaN(rawLimit) ? o.maxPageSize : rawLimit, o.maxPageSize);
        const all = state
          .list()
          .filter((e) => matches(e.name, pattern))
          .sort((a, b) => a.name.localeCompare(b.name));
        return sendJson(res, 200, {
          results: all.slice(offset, offset + limit).map((e) => entryJson(e, base)),
          totalCount: all.length,
          _links: [{ rel: 'self', method: 'GET', href: `${base}${c.url.pathname}${c.url.search}` }],
        });
      }
      case `POST ${ACCOUNTS}`:
      case `PUT ${ACCOUNTS}/{id}`: {
        const isPut = r.key.startsWith('PUT');
        if (isPut && !needEntry()) return;
        const parsed = parseJson(c);
        if (!parsed.ok) return sendProblem(res, base, problems.validation('The request body is not valid JSON.'));
        const spec = validateSpec(parsed.value, entry?.id);
        if ('status' in spec) return sendProblem(res, base, spec);
        const saved = state.addEntry({
          ...spec,
          ...(isPut && entry ? { id: entry.id, usedByPolicy: entry.usedByPolicy } : {}),
        });
        return sendJson(res, isPut ? 200 : 201, entryJson(saved, base));
      }
      case `POST ${ACCOUNTS}/validateName`: {
        const parsed = parseJson(c);
        const name = parsed.ok ? (parsed.value as { name?: unknown } | undefined)?.name : undefined;
        if (typeof name !== 'string' || !name)
          return sendProblem(res, base, problems.validation('The name field is required.'));
        const dup = state.findByName(name);
        return sendJson(
          res,
          200,
          dup
            ? [{ severity: 'Error', message: `An IAM role with the name "${name}" already exists.`, contextId: dup.id }]
            : [],
        );
      }
      case `GET ${ACCOUNTS}/{id}`:
        if (needEntry()) sendJson(res, 200, entryJson(entry!, base));
        return;
      case `DELETE ${ACCOUNTS}/{id}`:
        if (!needEntry()) return;
        if (entry!.usedByPolicy)
          return sendProblem(
            res,
            base,
            problems.validation(`The IAM role is used by backup policy "${entry!.usedByPolicy}".`),
          );
        state.entries.delete(entry!.id);
        res.writeHead(204).end();
        return;
      case `POST ${ACCOUNTS}/{id}/validateDelete`:
        if (!needEntry()) return;
        return sendJson(
          res,
          200,
          entry!.usedByPolicy
            ? [
                {
                  severity: 'Error',
                  message: `The IAM role is used by backup policy "${entry!.usedByPolicy}" and cannot be removed.`,
                  contextId: entry!.id,
                },
              ]
            : [],
        );
      case `POST ${ACCOUNTS}/{id}/rescan`: {
        if (!needEntry()) return;
        const refused = rescanSpecProblem(c);
        if (refused) return sendProblem(res, base, refused);
        const e = entry!;
        const ok = o.assumeCheck ? await o.assumeCheck(e.accountId, e.roleName, e.externalId) : true;
        const id = randomUUID();
        state.sessions.set(id, {
          id,
          entryId: e.id,
          runningPolls: Math.max(1, o.sessionRunningPolls),
          startedAt: new Date(o.now()).toISOString(),
          outcome: ok
            ? { status: 'Succeeded', result: 'Success', reason: '' }
            : {
                status: 'Failed',
                result: 'Failed',
                reason: `Failed to assume role arn:aws:iam::${e.accountId}:role/${e.roleName}: access denied (check the trust policy and the external ID).`,
              },
        });
        return sendJson(res, 202, {
          sessionId: id,
          _links: [{ rel: 'session', method: 'GET', href: `${base}/api/v1/sessions/${id}` }],
        });
      }
      case 'GET /api/v1/sessions/{id}': {
        const s = r.id ? state.sessions.get(r.id) : undefined;
        if (!s) return sendProblem(res, base, problems.notFound(`Session ${r.id ?? ''} was not found.`));
        const running = s.runningPolls > 0;
        if (running) s.runningPolls--;
        return sendJson(res, 200, {
          id: s.id,
          type: 'Job',
          executionStartTime: s.startedAt,
          ...(running ? {} : { executionStopTime: new Date(o.now()).toISOString(), executionDuration: 1 }),
          status: running ? 'Running' : s.outcome.status,
          result: running ? 'Running' : s.outcome.result,
          reason: running ? '' : s.outcome.reason,
          usn: 1,
          _links: [{ rel: 'self', method: 'GET', href: `${base}/api/v1/sessions/${s.id}` }],
        });
      }
      case 'GET /api/v1/system/version':
        return sendJson(res, 200, { version: state.productVersion, about: 'Veeam Backup for AWS (simulator)' });
      case `POST ${ORG_RESCAN}`:
        return organizationRescan(c);
      default:
        if (r.key.startsWith('GET ') && r.key.endsWith('olicies')) return policies(c, r.key.slice(4));
        return sendProblem(res, base, problems.methodNotAllowed());
    }
  }

  /** One request: version check, faults, auth, then the route. */
  return async function dispatch(req: IncomingMessage, res: ServerResponse, base: string): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const c: Ctx = { req, res, url, base, body: Buffer.concat(chunks).toString('utf8') };
    const r = route(method, url.pathname);
    state.counters.requests++;
    const key = r?.key ?? `${method} ${url.pathname}`;
    state.counters.byRoute[key] = (state.counters.byRoute[key] ?? 0) + 1;
    res.on('finish', () => {
      state.served.push({ route: key, status: res.statusCode });
      for (const listener of state.afterRequest)
        listener({ route: key, method, path: url.pathname, status: res.statusCode });
    });
    if (faults.latencyMs > 0) await new Promise((ok) => setTimeout(ok, faults.latencyMs));

    const version = req.headers['x-api-version'];
    if (typeof version !== 'string' || !version) return sendProblem(res, base, problems.apiVersionUnspecified());
    if (!o.supportedVersions.includes(version))
      return sendProblem(res, base, problems.unsupportedApiVersion(version, o.supportedVersions));

    const fault = faults.take(method, url.pathname);
    if (fault) {
      const p =
        fault.status === 429
          ? problems.tooManyRequests()
          : fault.status >= 500
            ? problems.serviceUnavailable(fault.status)
            : { ...problems.validation('Injected fault.'), status: fault.status };
      return sendProblem(
        res,
        base,
        p,
        fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
      );
    }
    if (!r)
      return sendProblem(
        res,
        base,
        pathKnown(url.pathname) ? problems.methodNotAllowed() : problems.notFound(`No route for ${url.pathname}.`),
      );
    if (r.key === 'POST /api/v1/token') return token(c);
    const denied = authorised(c);
    if (denied) return sendProblem(res, base, denied);
    return handle(c, r);
  };
}
