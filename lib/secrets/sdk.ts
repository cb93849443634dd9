import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../aws/secrets-manager-client';
import { SecretError } from './errors';
import { parseCredentials } from './parse';
import type { VeeamCredentials } from './types';

const NOT_RETRYABLE = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidParameterException',
  'InvalidRequestException',
  'DecryptionFailure',
  'ValidationException',
]);

function explain(err: unknown, secretId: string): SecretError {
  const e = err as { name?: string; code?: string; hostname?: string } | null;
  // Network failures are plain Errors whose code says what happened (ENOTFOUND, ECONNREFUSED, ETIMEDOUT).
  const name = e?.name && e.name !== 'Error' ? e.name : (e?.code ?? e?.name ?? 'Error');
  const why: Record<string, string> = {
    ResourceNotFoundException:
      'the secret does not exist in this account/region (check VEEAM_SECRET_ID and AWS_REGION)',
    AccessDeniedException:
      'the caller lacks secretsmanager:GetSecretValue on it (and kms:Decrypt if it uses a customer managed key)',
    DecryptionFailure: 'the caller lacks kms:Decrypt on the key that encrypts it',
    ENOTFOUND: `the Secrets Manager endpoint${e?.hostname ? ` ${e.hostname}` : ''} cannot be resolved (check AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER, and DNS or the VPC endpoint)`,
    EAI_AGAIN: `no DNS server answered for the Secrets Manager endpoint${e?.hostname ? ` ${e.hostname}` : ''} (check DNS or the VPC endpoint)`,
  };
  return new SecretError(
    `Reading the Veeam credentials secret VEEAM_SECRET_ID=${secretId} with Secrets Manager failed (${name})${why[name] ? `: ${why[name]}` : ''}.`,
    !NOT_RETRYABLE.has(name),
    { cause: err },
  );
}

/** GetSecretValue through the SDK; no cache of its own here (the caller's memo decides). */
export async function readSecretWithSdk(secretId: string, timeoutMs = 5_000): Promise<VeeamCredentials> {
  let out;
  try {
    out = await secretsManagerClient().send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw explain(err, secretId);
  }
  return parseCredentials(out.SecretString, secretId);
}
