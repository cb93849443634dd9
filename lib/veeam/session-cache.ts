/** What a successful POST /api/v1/token gave us. Never logged. */
export interface TokenState {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms; used to size the refresh margin for short-lived tokens. */
  issuedAt: number;
}

/** Per appliance + credentials: survives warm invocations so each one does at most one login. */
export interface ApplianceSession {
  token?: TokenState;
  /** The x-api-version the appliance last accepted. */
  apiVersion?: string;
  /** Concurrent callers share one login/refresh instead of racing the token endpoint. */
  authInFlight?: Promise<TokenState>;
}

export type SessionCache = Map<string, ApplianceSession>;

/** Module scope on purpose: a Lambda execution environment reuses it across warm invocations. */
const moduleCache: SessionCache = new Map();

export function defaultSessionCache(): SessionCache {
  return moduleCache;
}

export function sessionFor(cache: SessionCache, key: string): ApplianceSession {
  let s = cache.get(key);
  if (!s) {
    s = {};
    cache.set(key, s);
  }
  return s;
}

/** Tests and the sandbox start from a cold environment. */
export function resetVeeamSessions(): void {
  moduleCache.clear();
}
