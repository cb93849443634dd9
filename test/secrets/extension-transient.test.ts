import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createSecretSource } from '../../lib/secrets';
import { startSecretsExtensionSimulator, type SecretsExtensionSimulator } from '../../sim/secrets-extension';

/**
 * What reading the Veeam credentials in Lambda does with each answer of the Parameters and Secrets extension:
 * transient ones are retried briefly and then retryable (the request is redelivered, not dead-lettered); only a
 * missing secret (confirmed by Secrets Manager) or a malformed one is permanent.
 */
const SECRET_ID = 'veeam-org-sync/appliance-admin';
const GOOD = JSON.stringify({ username: 'svc-veeam', password: 'Sup3r-Secret-Value' });
const TOKEN = 'session-token-from-lambda';
const sm = mockClient(SecretsManagerClient);
let ext: SecretsExtensionSimulator;
const warnings: string[] = [];

beforeEach(async () => {
  sm.reset();
  warnings.length = 0;
  ext = await startSecretsExtensionSimulator({ secrets: { [SECRET_ID]: GOOD, bad: '{"user":"x"}' }, token: TOKEN });
});
afterEach(() => ext.stop());

function source(secretId = SECRET_ID) {
  const env = {
    AWS_LAMBDA_FUNCTION_NAME: 'veeam-org-sync-worker',
    AWS_SESSION_TOKEN: TOKEN,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port),
  };
  return createSecretSource({ veeamSecretId: secretId }, env, {
    extension: { sleep: () => Promise.resolve() },
    log: { warn: (m: string) => void warnings.push(m) },
  });
}

describe.each([
  ['400 while the extension starts', 400],
  ['401 token refused', 401],
  ['403 token refused', 403],
  ['429 throttled', 429],
  ['500', 500],
  ['503', 503],
  ['a connection reset', 'reset' as const],
])('%s', (_name, fault) => {
  it('for a moment: retried within the same read, which then succeeds', async () => {
    ext.failNext(2, fault);
    await expect(source().veeamCredentials()).resolves.toMatchObject({ username: 'svc-veeam' });
    expect(ext.requests.map((r) => r.status)).toEqual([
      fault === 'reset' ? 0 : fault,
      fault === 'reset' ? 0 : fault,
      200,
    ]);
  });

  it('for longer than the bounded retry: a retryable error (the queue redelivers), never permanent', async () => {
    ext.failNext(100, fault);
    // A persistent 400 is settled by Secrets Manager; here it is briefly unavailable too.
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('Service unavailable'), { name: 'InternalServiceError' }),
    );
    const err = await source()
      .veeamCredentials()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SecretUnavailable', retryable: true });
    expect(ext.requests).toHaveLength(4);
  });
});

it('a 400 that persists because the secret does not exist is permanent, as Secrets Manager confirms, with the fix named', async () => {
  sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
  const err = await source('veeam-org-sync/missing')
    .veeamCredentials()
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ retryable: false });
  expect((err as Error).message).toMatch(/VEEAM_SECRET_ID=veeam-org-sync\/missing.*does not exist/);
  expect(ext.requests.map((r) => r.status)).toEqual([400, 400, 400, 400]);
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
});

it('a 400 that persists although the secret exists: the credentials come from Secrets Manager, with a warning', async () => {
  ext.failNext(100, 400);
  sm.on(GetSecretValueCommand).resolves({ SecretString: GOOD });
  await expect(source().veeamCredentials()).resolves.toMatchObject({ username: 'svc-veeam' });
  expect(warnings).toEqual([expect.stringMatching(/extension refused VEEAM_SECRET_ID/)]);
});

it('a malformed secret is permanent at once (no retry can fix it)', async () => {
  const err = await source('bad')
    .veeamCredentials()
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(/username and password are missing/) });
  expect(ext.requests).toHaveLength(1);
});
