import { SecretError } from './errors';
import type { VeeamCredentials } from './types';

/**
 * The secret must be JSON {"username","password"}. Error messages describe the shape only: the value (or a
 * JSON.parse message, which quotes it) must never reach a log or a DLQ message.
 */
export function parseCredentials(secretString: string | undefined, secretId: string): VeeamCredentials {
  const shape = `The secret named by VEEAM_SECRET_ID (${secretId}) must be a JSON object {"username": "...", "password": "..."}`;
  if (secretString === undefined)
    throw new SecretError(`${shape}, but it has no SecretString (binary secrets are not supported).`, false);
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new SecretError(`${shape}, but its value is not valid JSON.`, false);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new SecretError(`${shape}, but its value is not a JSON object.`, false);
  const { username, password } = json as Record<string, unknown>;
  const missing = [
    typeof username === 'string' && username ? '' : 'username',
    typeof password === 'string' && password ? '' : 'password',
  ].filter(Boolean);
  if (missing.length)
    throw new SecretError(
      `${shape}, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing or not a non-empty string.`,
      false,
    );
  return { username: username as string, password: password as string };
}
