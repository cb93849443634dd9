import type { Config } from '../../lib/config';
import { RetryableError } from '../../lib/errors';
import { SecretError } from '../../lib/secrets/errors';
import { VeeamApiError, VeeamTlsError } from '../../lib/veeam/errors';
import { readSecretWithSdk } from '../../lib/secrets/sdk';
import type { VeeamCredentials } from '../../lib/secrets/types';
import { createVeeamClient } from '../../lib/veeam/client';
import { explainCause, type Env } from '../causes';
import { awsFailure, fail, ok, skip, type CheckResult } from './check';

const SECRET = { id: 'secret', title: 'Veeam credentials secret' };
const TLS = { id: 'appliance-tls', title: 'Appliance reachable, certificate trusted' };
const VERSION = { id: 'appliance-api-version', title: 'Appliance REST API version' };
const LOGIN = { id: 'appliance-login', title: 'Appliance login' };

export async function secretCheck(
  cfg: Config,
  env: Env,
): Promise<{ result: CheckResult; credentials?: VeeamCredentials }> {
  try {
    const credentials = await readSecretWithSdk(cfg.veeamSecretId);
    return {
      result: ok(
        SECRET.id,
        SECRET.title,
        `VEEAM_SECRET_ID=${cfg.veeamSecretId} is readable and holds {"username","password"} (user ${credentials.username})`,
      ),
      credentials,
    };
  } catch (err) {
    const cause = explainCause(err, { env });
    if (cause)
      return {
        result: fail(
          SECRET.id,
          SECRET.title,
          `reading VEEAM_SECRET_ID=${cfg.veeamSecretId} failed: ${cause.code}`,
          cause.message,
        ),
      };
    if (err instanceof SecretError)
      return {
        result: fail(SECRET.id, SECRET.title, `VEEAM_SECRET_ID=${cfg.veeamSecretId} cannot be used`, err.message),
      };
    return { result: awsFailure(SECRET.id, SECRET.title, err, env, { action: 'secretsmanager:GetSecretValue' }) };
  }
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/**
 * One login, as the functions do it: TLS (the pinned certificate or the system CAs), the x-api-version negotiation
 * and the password grant, reported as three checks so the failing one names its own setting. Logs out afterwards.
 */
export async function applianceChecks(
  cfg: Config,
  credentials: VeeamCredentials | undefined,
  env: Env,
): Promise<CheckResult[]> {
  if (!credentials) {
    const why = 'needs the credentials from the secret (see above)';
    return [skip(TLS.id, TLS.title, why), skip(VERSION.id, VERSION.title, why), skip(LOGIN.id, LOGIN.title, why)];
  }
  const client = createVeeamClient({
    config: cfg,
    secrets: { veeamCredentials: () => Promise.resolve(credentials) },
    logger: silent,
    // A preflight answers in seconds: two attempts, not the functions' patient retries.
    retry: { maxAttempts: 2, baseDelayMs: 200 },
    timeoutMs: 10_000,
    sessionCache: new Map(),
  });
  const trust = cfg.veeamCertSha256
    ? `presents the pinned certificate (VEEAM_CERT_SHA256=${cfg.veeamCertSha256.slice(0, 16)}…)`
    : 'presents a certificate the system CAs trust for its name';
  const tlsOk = ok(TLS.id, TLS.title, `${cfg.veeamUrl.host} ${trust}`);
  try {
    await client.login();
  } catch (err) {
    const afterTls = (version: CheckResult, login: CheckResult) => [tlsOk, version, login];
    if (err instanceof VeeamTlsError)
      return [
        fail(TLS.id, TLS.title, `${cfg.veeamUrl.host}: the certificate is not trusted`, err.message),
        skip(VERSION.id, VERSION.title, 'needs a trusted connection'),
        skip(LOGIN.id, LOGIN.title, 'needs a trusted connection'),
      ];
    if (err instanceof RetryableError && err.code === 'VeeamUnreachable') {
      const cause = explainCause(err, { env });
      return [
        fail(
          TLS.id,
          TLS.title,
          `${cfg.veeamUrl.host} is unreachable${cause ? ` (${cause.code})` : ''}`,
          cause?.message ??
            `Check VEEAM_URL=${cfg.veeamUrl.origin} (the REST port is 11005), that this machine (and the functions' VPC) routes to it, and that the appliance's security group allows the port.`,
        ),
        skip(VERSION.id, VERSION.title, 'needs a connection'),
        skip(LOGIN.id, LOGIN.title, 'needs a connection'),
      ];
    }
    if (err instanceof VeeamApiError && /accepts none of the REST API revisions/.test(err.message))
      return afterTls(
        fail(VERSION.id, VERSION.title, `none of ${cfg.veeamApiVersions.join(', ')} is accepted`, err.message),
        skip(LOGIN.id, LOGIN.title, 'needs an API version the appliance accepts'),
      );
    const negotiated = client.apiVersion;
    return afterTls(
      negotiated
        ? ok(VERSION.id, VERSION.title, `x-api-version ${negotiated}`)
        : skip(VERSION.id, VERSION.title, 'not negotiated before the failure'),
      fail(
        LOGIN.id,
        LOGIN.title,
        `user ${credentials.username} could not log in`,
        err instanceof Error ? err.message : String(err),
      ),
    );
  }
  const negotiated = client.apiVersion ?? cfg.veeamApiVersions[0]!;
  const preferred = cfg.veeamApiVersions[0]!;
  await client.logout().catch(() => undefined);
  return [
    tlsOk,
    ok(
      VERSION.id,
      VERSION.title,
      negotiated === preferred
        ? `x-api-version ${negotiated}`
        : `x-api-version ${negotiated} (the appliance refused ${preferred}; set VEEAM_API_VERSION=${negotiated} to skip the step down)`,
    ),
    ok(LOGIN.id, LOGIN.title, `user ${credentials.username} logged in (and out again)`),
  ];
}
