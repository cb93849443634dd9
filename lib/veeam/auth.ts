import { VeeamApiError } from './errors';
import type { SecretSource, VeeamCredentials } from '../secrets/types';
import type { VeeamLogger, Send } from './exchange';
import type { HttpResponse } from './http';
import { parseProblem, problemName, toVeeamApiError } from './problems';
import type { ApplianceSession, TokenState } from './session-cache';

const TOKEN = '/api/v1/token';

export interface AuthDeps {
  send: Send;
  secrets: SecretSource;
  session: ApplianceSession;
  stats: { logins: number; refreshes: number };
  log: VeeamLogger;
  now: () => number;
  /** Refresh this long before expiry (capped at half the token's lifetime). */
  marginMs: number;
}

export interface Auth {
  /** A token that is valid now: the warm one, a refreshed one, or a new login. */
  token(): Promise<TokenState>;
  /** Replaces `stale` (refresh grant when given, else password login); concurrent callers share one renewal. */
  renew(stale: TokenState | undefined): Promise<TokenState>;
  logout(): Promise<void>;
}

/** The token lifecycle: password grant, refresh grant, expiry margin, logout. Tokens and passwords are never logged. */
export function createAuth(d: AuthDeps): Auth {
  const { send, secrets, session, stats, log, now, marginMs } = d;

  function tokenFrom(res: HttpResponse): TokenState {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      throw new VeeamApiError(
        'Veeam POST /api/v1/token returned a body that is not JSON.',
        res.status,
        {},
        { retryable: true },
      );
    }
    const access = json.access_token;
    if (typeof access !== 'string' || !access) {
      const mfa = typeof json.mfa_token === 'string' && json.mfa_token;
      throw new VeeamApiError(
        mfa
          ? 'The Veeam user in VEEAM_SECRET_ID has multi-factor authentication enabled; use a service user without MFA.'
          : 'Veeam POST /api/v1/token answered without an access_token.',
        res.status,
        {},
        { retryable: false },
      );
    }
    const issuedAt = now();
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 3600;
    return {
      accessToken: access,
      ...(typeof json.refresh_token === 'string' && json.refresh_token ? { refreshToken: json.refresh_token } : {}),
      issuedAt,
      expiresAt: issuedAt + expiresIn * 1000,
    };
  }

  const form = (fields: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  async function passwordLogin(): Promise<TokenState> {
    let creds: VeeamCredentials = await secrets.veeamCredentials();
    for (let fresh = false; ; fresh = true) {
      const f = form({ grant_type: 'password', username: creds.username, password: creds.password });
      const res = await send('POST', TOKEN, f.headers, f.body);
      if (res.status === 200) {
        stats.logins++;
        log.info('Logged in to Veeam', { apiVersion: session.apiVersion });
        return tokenFrom(res);
      }
      if ((res.status === 400 || res.status === 401) && !fresh) {
        // The password may have been rotated while our copy (or the extension's cache, up to 300 s) is stale.
        log.info('Veeam refused the login; re-reading the credentials once', { status: res.status });
        creds = await secrets.veeamCredentials({ fresh: true });
        continue;
      }
      if (res.status === 400 || res.status === 401) {
        const p = parseProblem(res.body);
        throw new VeeamApiError(
          `Veeam refused the login of user "${creds.username}" (${res.status}${problemName(p) ? ` ${problemName(p)}` : ''}). Check the username/password in the secret named by VEEAM_SECRET_ID and that the user is a Portal Administrator without MFA.`,
          res.status,
          p,
          { retryable: false },
        );
      }
      throw toVeeamApiError('POST', TOKEN, res);
    }
  }

  async function refresh(token: TokenState): Promise<TokenState | undefined> {
    if (!token.refreshToken) return undefined;
    const f = form({ grant_type: 'refresh_token', refresh_token: token.refreshToken });
    const res = await send('POST', TOKEN, f.headers, f.body);
    if (res.status === 200) {
      stats.refreshes++;
      return tokenFrom(res);
    }
    if (res.status === 400 || res.status === 401) {
      log.info('Veeam refused the refresh token; logging in again', { status: res.status });
      return undefined;
    }
    throw toVeeamApiError('POST', TOKEN, res);
  }

  function usable(t: TokenState | undefined): t is TokenState {
    if (!t) return false;
    const margin = Math.min(marginMs, (t.expiresAt - t.issuedAt) / 2);
    return now() < t.expiresAt - margin;
  }

  /** Single flight: concurrent callers wait for the same login/refresh. */
  function renew(stale: TokenState | undefined): Promise<TokenState> {
    session.authInFlight ??= (async () => {
      try {
        const t = (stale && (await refresh(stale))) || (await passwordLogin());
        session.token = t;
        return t;
      } finally {
        session.authInFlight = undefined;
      }
    })();
    return session.authInFlight;
  }

  async function token(): Promise<TokenState> {
    if (session.authInFlight) return session.authInFlight;
    if (usable(session.token)) return session.token;
    return renew(session.token);
  }

  async function logout(): Promise<void> {
    const t = session.token;
    session.token = undefined;
    if (!t) return;
    await send('DELETE', TOKEN, { authorization: `Bearer ${t.accessToken}` }, undefined);
  }

  return { token, renew, logout };
}
