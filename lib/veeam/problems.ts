import { VeeamApiError } from './errors';
import type { HttpResponse } from './http';

export interface Problem {
  type?: string;
  title?: string;
  errorCode?: string;
  detail?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Reads an RFC 7807 body; Veeam names the text `details`, RFC 7807 `detail`, so both are read. */
export function parseProblem(body: string): Problem {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  if (!json || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  const detail = str(o.details) ?? str(o.detail) ?? str(o.message);
  const p: Problem = {};
  const type = str(o.type);
  const title = str(o.title);
  const errorCode = str(o.errorCode);
  if (type) p.type = type;
  if (title) p.title = title;
  if (errorCode) p.errorCode = errorCode;
  if (detail) p.detail = detail;
  return p;
}

/** The last segment of `type` (".../api/v1/problems/expiredAccessToken" -> "expiredAccessToken"). */
export function problemName(p: Problem): string | undefined {
  return p.type?.split('/').filter(Boolean).pop();
}

const VERSION_PROBLEMS = new Set(['unsupportedApiVersion', 'invalidApiVersion']);

/** The appliance refuses the x-api-version we sent, so an older revision may work. */
export function isVersionProblem(status: number, p: Problem): boolean {
  if (status !== 400) return false;
  const name = problemName(p);
  if (name && VERSION_PROBLEMS.has(name)) return true;
  return /(unsupported|invalid).{0,20}api.?version/i.test(`${p.title ?? ''} ${p.detail ?? ''}`);
}

export function isExpiredToken(status: number, p: Problem): boolean {
  return status === 401 && (problemName(p) === 'expiredAccessToken' || p.errorCode === 'ExpiredToken');
}

/** What the operator should do about a status, appended to the error message. */
function hint(status: number): string {
  if (status === 401) return ' Check the user and password in the VEEAM_SECRET_ID secret.';
  if (status === 403) return ' The Veeam user needs the Portal Administrator role.';
  if (status === 429 || status >= 500) return ' The appliance is busy or failing; the request will be retried later.';
  return '';
}

export function toVeeamApiError(
  method: string,
  path: string,
  res: HttpResponse,
  options?: { retryable?: boolean },
): VeeamApiError {
  const p = parseProblem(res.body);
  const what = [p.title, p.detail].filter(Boolean).join(': ') || `HTTP ${res.status}`;
  const name = problemName(p);
  return new VeeamApiError(
    `Veeam ${method} ${path} failed with ${res.status}${name ? ` (${name})` : ''}: ${what}.${hint(res.status)}`,
    res.status,
    p,
    options,
  );
}
