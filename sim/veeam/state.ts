import { randomBytes, randomUUID } from 'node:crypto';

export interface SimEntry {
  id: string;
  name: string;
  description: string | null;
  kind: 'IAMRoleFromAnotherAccount' | 'IAMRole';
  accountId: string;
  roleName: string;
  /** Write-only on the real appliance: kept here so tests can check what Veeam holds. */
  externalId?: string;
  /** When set, validateDelete answers with an Error-severity message naming this policy. */
  usedByPolicy?: string;
}

export interface SimSession {
  id: string;
  entryId: string;
  runningPolls: number;
  outcome: { status: 'Succeeded' | 'Failed'; result: 'Success' | 'Failed'; reason: string };
  startedAt: string;
}

/** An organization rescan the appliance accepted (POST /api/v1/organizations/amazon/rescan). */
export interface SimOrganizationRescan {
  rescanIamRoleId: string;
  rescanStorageType: 'Database' | 'InMemory';
  at: number;
}

interface Grant {
  username: string;
  expiresAt: number;
}

/** The appliance's data: IAM-role entries, tokens, sessions and what was asked of it. */
export class SimState {
  readonly entries = new Map<string, SimEntry>();
  readonly accessTokens = new Map<string, Grant>();
  readonly refreshTokens = new Map<string, Grant>();
  readonly sessions = new Map<string, SimSession>();
  /** Every answer given, as route template + status (contract tests compare them with the vendor spec). */
  readonly served: { route: string; status: number }[] = [];
  readonly counters = {
    logins: 0,
    refreshes: 0,
    failedLogins: 0,
    logouts: 0,
    requests: 0,
    byRoute: {} as Record<string, number>,
  };
  /**
   * Listeners called once per answered request (after the route has changed the state, when the answer is sent),
   * with the route template (e.g. `PUT /api/v1/accounts/amazon/{id}`), the concrete method + path and the status.
   * Tests push a function here to check an invariant after each request.
   */
  readonly afterRequest: Array<(r: { route: string; method: string; path: string; status: number }) => void> = [];
  /** What GET /api/v1/system/version answers (an upgrade: assign another). */
  productVersion = '11.0.0.1117';
  /** Backup policies per collection path (e.g. /api/v1/rds/policies), as the appliance would return them. */
  readonly policies = new Map<string, Record<string, unknown>[]>();
  /** Accepted organization rescans, oldest first. */
  readonly organizationRescans: SimOrganizationRescan[] = [];
  /** The appliance's own account (parent of every cross-account role). */
  readonly parentAmazonAccountId = randomUUID();

  constructor(readonly users: Record<string, string>) {}

  addEntry(
    e: Omit<SimEntry, 'id' | 'kind' | 'description'> & Partial<Pick<SimEntry, 'id' | 'kind' | 'description'>>,
  ): SimEntry {
    const entry: SimEntry = {
      id: e.id ?? randomUUID(),
      kind: e.kind ?? 'IAMRoleFromAnotherAccount',
      description: e.description ?? null,
      ...e,
    };
    this.entries.set(entry.id, entry);
    return entry;
  }

  findByName(name: string): SimEntry | undefined {
    return [...this.entries.values()].find((e) => e.name.toLowerCase() === name.toLowerCase());
  }

  list(): SimEntry[] {
    return [...this.entries.values()];
  }

  count(route: string): number {
    return this.counters.byRoute[route] ?? 0;
  }

  /** POST (create), PUT and DELETE requests on IAM-role entries received so far. */
  writes(): number {
    return (
      this.count('POST /api/v1/accounts/amazon') +
      this.count('PUT /api/v1/accounts/amazon/{id}') +
      this.count('DELETE /api/v1/accounts/amazon/{id}')
    );
  }

  issueTokens(username: string, now: number, accessTtlSeconds: number, refreshTtlSeconds: number) {
    const access = randomBytes(24).toString('base64url');
    const refresh = randomBytes(24).toString('base64url');
    this.accessTokens.set(access, { username, expiresAt: now + accessTtlSeconds * 1000 });
    this.refreshTokens.set(refresh, { username, expiresAt: now + refreshTtlSeconds * 1000 });
    return { access, refresh };
  }
}

interface PathFault {
  method?: string;
  path: string | RegExp;
  status: number;
  remaining: number;
}

/** Switches a test flips to make the appliance misbehave. */
export class SimFaults {
  /** Extra delay before every answer. */
  latencyMs = 0;
  private isDown = false;
  private generic: { status: number; remaining: number; retryAfterSeconds?: number }[] = [];
  private paths: PathFault[] = [];

  constructor(
    private readonly state: SimState,
    private readonly onDown: () => void,
  ) {}

  get down(): boolean {
    return this.isDown;
  }

  /** Down: every connection is closed as soon as it opens (open keep-alive connections too). */
  setDown(down: boolean): void {
    this.isDown = down;
    if (down) this.onDown();
  }

  /** The next `n` requests get `status` (5xx) problem answers. */
  failNext(n: number, status = 503): void {
    this.generic.push({ status, remaining: n });
  }

  /** The next `n` requests get 429 with Retry-After. */
  throttleNext(n: number, retryAfterSeconds = 1): void {
    this.generic.push({ status: 429, remaining: n, retryAfterSeconds });
  }

  /** Requests matching method + path (string = exact path, RegExp = pattern) fail with `status`, `times` times. */
  failPath(method: string | undefined, path: string | RegExp, status: number, times = Number.POSITIVE_INFINITY): void {
    this.paths.push({ ...(method ? { method } : {}), path, status, remaining: times });
  }

  /** Every access token issued so far is now expired (refresh tokens still work). */
  expireTokensNow(): void {
    for (const g of this.state.accessTokens.values()) g.expiresAt = 0;
  }

  /** Every refresh token is now invalid: the next refresh must fail and the client log in again. */
  revokeRefreshTokens(): void {
    this.state.refreshTokens.clear();
  }

  reset(): void {
    this.latencyMs = 0;
    this.isDown = false;
    this.generic = [];
    this.paths = [];
  }

  /** @internal the fault (if any) that applies to this request; consumes it. */
  take(method: string, path: string): { status: number; retryAfterSeconds?: number } | undefined {
    const p = this.paths.find(
      (f) =>
        f.remaining > 0 &&
        (!f.method || f.method === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (p) {
      p.remaining--;
      return { status: p.status };
    }
    const g = this.generic.find((f) => f.remaining > 0);
    if (!g) return undefined;
    g.remaining--;
    return {
      status: g.status,
      ...(g.retryAfterSeconds !== undefined ? { retryAfterSeconds: g.retryAfterSeconds } : {}),
    };
  }
}
