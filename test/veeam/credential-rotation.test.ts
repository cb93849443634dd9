import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createSecretSource } from '../../lib/secrets';
import { destroyAgents } from '../../lib/veeam/tls';
import { startSecretsExtensionSimulator } from '../../sim/secrets-extension';
import { DEFAULT_SIM_USER, startVeeamSimulator } from '../../sim/veeam';
import { clientFor } from './veeam-test-client';

const sm = mockClient(SecretsManagerClient);
afterAll(() => destroyAgents());

/**
 * The password was rotated; the extension still serves the old value from its cache (up to 300 s). The refused
 * login must re-read the secret from Secrets Manager itself, once, and carry on.
 */
it('in Lambda, a refused login re-reads the rotated secret with the SDK, bypassing the extension cache', async () => {
  const veeamSim = await startVeeamSimulator();
  const ext = await startSecretsExtensionSimulator({
    secrets: { 'veeam/api-user': JSON.stringify({ username: DEFAULT_SIM_USER.username, password: 'before-rotation' }) },
    token: 'tok',
  });
  sm.on(GetSecretValueCommand, { SecretId: 'veeam/api-user' }).resolves({
    SecretString: JSON.stringify(DEFAULT_SIM_USER),
  });
  try {
    const env = {
      AWS_LAMBDA_FUNCTION_NAME: 'worker',
      AWS_SESSION_TOKEN: 'tok',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port),
    };
    const secrets = createSecretSource({ veeamSecretId: 'veeam/api-user' }, env);
    const { client } = clientFor(veeamSim, { secrets });
    await expect(client.listEntries()).resolves.toEqual([]);
    expect(veeamSim.state.counters).toMatchObject({ failedLogins: 1, logins: 1 });
    expect(ext.requests).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  } finally {
    await ext.stop();
    await veeamSim.stop();
  }
});
