import { explainCause, type Env } from '../causes';

export type CheckStatus = 'ok' | 'fail' | 'skip';

/** One line of the doctor's report: what was checked, what was found, and for a failure the change that fixes it. */
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** The setting to change or the command to run; present when status is fail (and for a skip that needs a setting). */
  fix?: string;
}

export const ok = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'ok', detail });
export const fail = (id: string, title: string, detail: string, fix: string): CheckResult => ({
  id,
  title,
  status: 'fail',
  detail,
  fix,
});
export const skip = (id: string, title: string, detail: string, fix?: string): CheckResult => ({
  id,
  title,
  status: 'skip',
  detail,
  ...(fix ? { fix } : {}),
});

const nameOf = (err: unknown): string => (err as { name?: string } | null)?.name ?? 'Error';
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A failed AWS call as a check result: the environment's cause when there is one (credentials, region, DNS), else
 * AccessDenied with the permission to grant, else the service's own words.
 */
export function awsFailure(
  id: string,
  title: string,
  err: unknown,
  env: Env,
  call: { action: string; where?: string },
): CheckResult {
  const cause = explainCause(err, { env });
  if (cause) return fail(id, title, `${call.action} failed: ${cause.code}`, cause.message);
  const name = nameOf(err);
  if (/AccessDenied/.test(name))
    return fail(
      id,
      title,
      `${call.action} was refused (${name})`,
      `Run doctor as a principal allowed ${call.action}${call.where ? ` ${call.where}` : ''} (the role you deploy with has it).`,
    );
  // Each call is bounded (AbortSignal.timeout): the SDK reports the abort, not what it was retrying.
  if (name === 'AbortError' || name === 'TimeoutError')
    return fail(
      id,
      title,
      `${call.action} gave no answer in time`,
      "Check this machine's network route to AWS (VPN, proxy: HTTPS_PROXY, AWS_ENDPOINT_URL_* variables) and the region (AWS_REGION), then run doctor again.",
    );
  return fail(
    id,
    title,
    `${call.action} failed (${name}: ${messageOf(err)})`,
    'Retry; if it persists, check the AWS Health dashboard and the call above.',
  );
}
