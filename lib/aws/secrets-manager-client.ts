import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let client: SecretsManagerClient | undefined;

/**
 * The service's own Secrets Manager client, once per container. Apart from lib/aws/clients.ts so that the functions,
 * which read the secret through the extension and need the SDK only as a fallback, load it only when they use it.
 */
export function secretsManagerClient(): SecretsManagerClient {
  client ??= new SecretsManagerClient({ retryMode: 'standard', maxAttempts: 5 });
  return client;
}
