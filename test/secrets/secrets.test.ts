import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretError } from '../../lib/secrets/errors';
import { createSecretSource, ExtensionUnreachableError, readSecretFromExtension } from '../../lib/secrets';
import { startSecretsExtensionSimulator, type SecretsExtensionSimulator } from '../../sim/secrets-extension';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:veeam/api-user-AbCdEf';
const GOOD = JSON.stringify({ username: 'svc-veeam', password: 'Sup3r-Secret-Value' });
const TOKEN = 'session-token-from-lambda';

const sm = mockClient(SecretsManagerClient);
let ext: SecretsExtensionSimulator | undefined;
const sleeps: number[] = [];
const sleep = (ms: number) => {
  sleeps.push(ms);
  return Promise.resolve();
};

beforeEach(() => {
  sm.reset();
  sleeps.length = 0;
});
afterEach(async () => {
  await ext?.stop();
  ext = undefined;
});

const lambdaEnv = (port: number) => ({
  AWS_LAMBDA_FUNCTION_NAME: 'veeam-org-sync-worker',
  AWS_SESSION_TOKEN: TOKEN,
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
});

/** A port with nothing listening: what a function without the extension layer sees. */
async function closedPort(): Promise<number> {
  const s = await startSecretsExtensionSimulator({ secrets: {}, token: TOKEN });
  await s.stop();
  return s.port;
}

describe('Parameters and Secrets extension', () => {
  it('reads the secret with the session token header and a URL-encoded secret id', async () => {
    ext = await startSecretsExtensionSimulator({ secrets: { [SECRET_ID]: GOOD }, token: TOKEN });
    await expect(readSecretFromExtension({ secretId: SECRET_ID, env: lambdaEnv(ext.port), sleep })).resolves.toEqual({
      username: 'svc-veeam',
      password: 'Sup3r-Secret-Value',
    });
    expect(ext.requests).toEqual([{ path: '/secretsmanager/get', secretId: SECRET_ID, tokenOk: true, status: 200 }]);
  });

  it('retries while the extension is starting (400 during start-up)', async () => {
    ext = await startSecretsExtensionSimulator({
      secrets: { [SECRET_ID]: GOOD },
      token: TOKEN,
      notReady: { requests: 2 },
    });
    await expect(
      readSecretFromExtension({ secretId: SECRET_ID, env: lambdaEnv(ext.port), sleep }),
    ).resolves.toMatchObject({ username: 'svc-veeam' });
    expect(sleeps).toEqual([100, 250]);
    expect(ext.requests.map((r) => r.status)).toEqual([400, 400, 200]);
  });

  it('retries when the extension drops the connection while starting', async () => {
    ext = await startSecretsExtensionSimulator({
      secrets: { [SECRET_ID]: GOOD },
      token: TOKEN,
      notReady: { requests: 1, mode: 'reset' },
    });
    await expect(
      readSecretFromExtension({ secretId: SECRET_ID, env: lambdaEnv(ext.port), sleep }),
    ).resolves.toMatchObject({ username: 'svc-veeam' });
    expect(sleeps).toEqual([100]);
  });

  it('never parses a non-200 answer as the secret and names VEEAM_SECRET_ID and the likely causes', async () => {
    ext = await startSecretsExtensionSimulator({ secrets: {}, token: TOKEN });
    const err = await readSecretFromExtension({ secretId: SECRET_ID, env: lambdaEnv(ext.port), sleep }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).toMatch(/VEEAM_SECRET_ID/);
    expect((err as Error).message).toMatch(/secretsmanager:GetSecretValue/);
    expect((err as Error).message).toMatch(/layer/);
    expect(ext.requests).toHaveLength(4); // 400 is retried: it is also what a starting extension answers
  });

  it('retries a refused token header a few times, then reports it as retryable (a transient refusal is not a DLQ case)', async () => {
    ext = await startSecretsExtensionSimulator({ secrets: { [SECRET_ID]: GOOD }, token: TOKEN });
    const env = { ...lambdaEnv(ext.port), AWS_SESSION_TOKEN: 'someone-elses' };
    const err = await readSecretFromExtension({ secretId: SECRET_ID, env, sleep }).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/HTTP 401.*session token/) });
    expect(ext.requests).toHaveLength(4);
    expect(ext.requests.every((r) => !r.tokenOk && r.status === 401)).toBe(true);
  });

  it('rejects a secret that is not JSON {username, password} without echoing its value', async () => {
    ext = await startSecretsExtensionSimulator({
      secrets: { bad: 'hunter2-not-json', half: JSON.stringify({ username: 'svc' }) },
      token: TOKEN,
    });
    const notJson = await readSecretFromExtension({ secretId: 'bad', env: lambdaEnv(ext.port), sleep }).catch(
      (e: unknown) => e,
    );
    expect((notJson as Error).message).toMatch(/not valid JSON/);
    expect((notJson as Error).message).not.toContain('hunter2');
    await expect(readSecretFromExtension({ secretId: 'half', env: lambdaEnv(ext.port), sleep })).rejects.toThrow(
      /password is missing/,
    );
  });

  it('reports an extension that is not listening as unreachable after brief retries', async () => {
    const port = await closedPort();
    await expect(readSecretFromExtension({ secretId: SECRET_ID, env: lambdaEnv(port), sleep })).rejects.toBeInstanceOf(
      ExtensionUnreachableError,
    );
    expect(sleeps).toEqual([100, 250, 500]);
  });
});

describe('createSecretSource', () => {
  it('in Lambda reads through the extension once and memoises; fresh goes to Secrets Manager', async () => {
    ext = await startSecretsExtensionSimulator({ secrets: { [SECRET_ID]: GOOD }, token: TOKEN });
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
      SecretString: JSON.stringify({ username: 'svc-veeam', password: 'rotated' }),
    });
    const source = createSecretSource({ veeamSecretId: SECRET_ID }, lambdaEnv(ext.port), { extension: { sleep } });
    await source.veeamCredentials();
    await source.veeamCredentials();
    expect(ext.requests).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    await expect(source.veeamCredentials({ fresh: true })).resolves.toEqual({
      username: 'svc-veeam',
      password: 'rotated',
    });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(ext.requests).toHaveLength(1);
    // The fresh value replaces the memo.
    await expect(source.veeamCredentials()).resolves.toMatchObject({ password: 'rotated' });
  });

  it('in Lambda without the extension layer falls back to the SDK with a warning', async () => {
    const port = await closedPort();
    sm.on(GetSecretValueCommand).resolves({ SecretString: GOOD });
    const warnings: string[] = [];
    const source = createSecretSource({ veeamSecretId: SECRET_ID }, lambdaEnv(port), {
      extension: { sleep },
      log: { warn: (m: string) => void warnings.push(m) },
    });
    await expect(source.veeamCredentials()).resolves.toMatchObject({ username: 'svc-veeam' });
    expect(warnings).toEqual([expect.stringMatching(/extension not reachable/)]);
  });

  it('outside Lambda uses the SDK and does not remember a failed read', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: GOOD });
    const source = createSecretSource({ veeamSecretId: 'veeam/api-user' }, {});
    const err = await source.veeamCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toMatch(/VEEAM_SECRET_ID=veeam\/api-user.*does not exist/);
    await expect(source.veeamCredentials()).resolves.toMatchObject({ username: 'svc-veeam' });
    expect(sm.commandCalls(GetSecretValueCommand, { SecretId: 'veeam/api-user' })).toHaveLength(2);
  });
});

describe('outside Lambda (CLI, sandbox): the SDK', () => {
  it('memoises until fresh is asked for', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: GOOD });
    const source = createSecretSource({ veeamSecretId: 'veeam/api-user' }, {});
    await source.veeamCredentials();
    await source.veeamCredentials();
    await source.veeamCredentials({ fresh: true });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('treats throttling as retryable and a binary secret as a configuration error', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretBinary: new Uint8Array([1, 2]) });
    const source = createSecretSource({ veeamSecretId: 'veeam/api-user' }, {});
    await expect(source.veeamCredentials()).rejects.toMatchObject({ retryable: true });
    await expect(source.veeamCredentials()).rejects.toThrow(/no SecretString/);
  });
});

it('a DNS failure reaching Secrets Manager says ENOTFOUND and the endpoint, not "(Error)"; it is retried', async () => {
  const host = 'secretsmanager.eu-west-1.amazonaws.com';
  sm.on(GetSecretValueCommand).rejects(
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }),
  );
  const err = await createSecretSource({ veeamSecretId: 'veeam/api-user' }, {})
    .veeamCredentials()
    .catch((e: unknown) => e as SecretError);
  expect(err).toMatchObject({ code: 'SecretUnavailable', retryable: true });
  expect((err as Error).message).toMatch(
    new RegExp(
      `failed \\(ENOTFOUND\\): the Secrets Manager endpoint ${host.replace(/\./g, '\\.')} cannot be resolved \\(check AWS_REGION`,
    ),
  );
});
