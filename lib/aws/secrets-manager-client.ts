import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedClient } from './client-cache';
import { SDK_CLIENT_RETRY } from './retry-policy';

/** The service's own Secrets Manager client (the functions read the secret through the extension first). */
export const secretsManagerClient = (): SecretsManagerClient =>
  cachedClient('secretsmanager', () => new SecretsManagerClient({ ...SDK_CLIENT_RETRY }));
