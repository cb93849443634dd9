import http from 'node:http';
import { ExtensionRefusedError, ExtensionUnreachableError, SecretError } from './errors';
import { sleep as realSleep, type Sleep } from '../util/sleep';
import { parseCredentials } from './parse';
import type { VeeamCredentials } from './types';

export type Env = Record<string, string | undefined>;

export interface ExtensionReadOptions {
  secretId: string;
  env?: Env;
  /** Waits between attempts while the extension starts (Lambda starts our init before the extension is ready). */
  retryDelaysMs?: number[];
  timeoutMs?: number;
  sleep?: Sleep;
  host?: string;
}

const DEFAULT_EXTENSION_PORT = 2773;

function extensionPort(env: Env): number {
  const p = Number(env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT);
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : DEFAULT_EXTENSION_PORT;
}

interface Answer {
  status: number;
  body: string;
}

function get(host: string, port: number, path: string, token: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host, port, path, headers: { 'X-Aws-Parameters-Secrets-Token': token }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
  });
}

const code = (err: unknown) => (err as { code?: string } | null)?.code;

/**
 * GET /secretsmanager/get through the extension. Call it inside the handler only: during INIT the extension
 * answers 400. Any non-200 is an error and its body is never read as a secret.
 *
 * Classification (the extension documents no status codes besides its generic 400 body): every non-200 answer
 * (400 while starting, 401/403 when it refuses the session token, 429, 5xx) and every connection error is retried a
 * bounded number of times (retryDelaysMs, about 0.85 s in all) and then reported as retryable, so the request is
 * redelivered rather than dead-lettered. A persistent 400 is ExtensionRefusedError (see there). Only a secret that
 * was read and is not {"username","password"} JSON is permanent.
 */
export async function readSecretFromExtension(o: ExtensionReadOptions): Promise<VeeamCredentials> {
  const env = o.env ?? process.env;
  const port = extensionPort(env);
  const delays = o.retryDelaysMs ?? [100, 250, 500];
  const sleep = o.sleep ?? realSleep;
  const token = env.AWS_SESSION_TOKEN ?? '';
  const path = `/secretsmanager/get?secretId=${encodeURIComponent(o.secretId)}`;
  let last: { status?: number; err?: unknown } = {};
  let answered = false;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await sleep(delays[attempt - 1]!);
    let answer: Answer;
    try {
      answer = await get(o.host ?? 'localhost', port, path, token, o.timeoutMs ?? 3_000);
    } catch (err) {
      last = { err };
      if (code(err) !== 'ECONNREFUSED') answered = true;
      // A timeout already took timeoutMs: waiting that long again would eat the invocation; the queue retries.
      if (code(err) === 'ETIMEDOUT') break;
      continue;
    }
    answered = true;
    if (answer.status === 200) return fromBody(answer.body, o.secretId);
    last = { status: answer.status };
  }
  if (!answered) throw new ExtensionUnreachableError(port, last.err);
  if (last.status === undefined)
    throw new SecretError(
      `Reading VEEAM_SECRET_ID=${o.secretId} through the Parameters and Secrets extension on port ${port} failed (${code(last.err) ?? 'error'}); it is retried. Set SECRETS_MANAGER_TIMEOUT_MILLIS on the function so the extension gives up before we do.`,
      true,
      { cause: last.err },
    );
  if (last.status === 400) throw new ExtensionRefusedError(port, o.secretId);
  const why =
    last.status === 401 || last.status === 403
      ? 'it refused the session token (X-Aws-Parameters-Secrets-Token must be AWS_SESSION_TOKEN)'
      : last.status === 429
        ? 'it is throttled'
        : 'it or Secrets Manager is failing';
  throw new SecretError(
    `The Parameters and Secrets extension answered HTTP ${last.status} for VEEAM_SECRET_ID=${o.secretId} on every attempt: ${why}; it is retried.`,
    true,
  );
}

function fromBody(body: string, secretId: string): VeeamCredentials {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new SecretError(
      `The Parameters and Secrets extension returned a response for VEEAM_SECRET_ID=${secretId} that is not GetSecretValue JSON.`,
      true,
    );
  }
  const secretString = (doc as { SecretString?: unknown } | null)?.SecretString;
  return parseCredentials(typeof secretString === 'string' ? secretString : undefined, secretId);
}
