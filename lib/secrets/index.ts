import type { Config } from '../config';
import { logger } from '../log';
import { memoUntilFailure } from '../util/memo-until-failure';
import { readSecretFromExtension, type Env, type ExtensionReadOptions } from './extension';
import { ExtensionRefusedError, ExtensionUnreachableError } from './errors';
import type { SecretSource, VeeamCredentials } from './types';

export type { SecretSource, VeeamCredentials } from './types';
export { readSecretFromExtension } from './extension';
export { ExtensionRefusedError, ExtensionUnreachableError, SecretError } from './errors';

export interface SecretSourceOptions {
  /** Passed to the extension reader (tests shorten the waits). */
  extension?: Omit<ExtensionReadOptions, 'secretId' | 'env'>;
  /** Only warnings are logged here; Powertools' logger fits. */
  log?: { warn(message: string, attributes: { error: string }): void };
}

/**
 * The Secrets Manager client is loaded when a read first needs it: a Lambda function reads through the extension and
 * normally never does, so its bundle keeps the client in a chunk of its own that cold starts do not load.
 */
const readSecretWithSdk = async (secretId: string): Promise<VeeamCredentials> =>
  (await import('./sdk')).readSecretWithSdk(secretId);

/**
 * In Lambda: the Parameters and Secrets extension (local, cached, no SDK call per invocation), read lazily on the
 * first call inside the handler and memoised. `fresh` (after Veeam refused a login) goes to Secrets Manager
 * directly, because the extension may serve a value up to its TTL (300 s) old. When the extension is not listening
 * (layer missing), the SDK is used instead, with a warning.
 * Elsewhere (CLI, sandbox): the SDK, memoised until `fresh` asks for a new read; a failed read is not remembered.
 *
 * Failures: the extension's transient answers are retried briefly and then retryable (see readSecretFromExtension);
 * a persistent 400 is settled by one GetSecretValue, whose ResourceNotFound (or AccessDenied) is permanent. A
 * secret that is not {"username","password"} JSON is permanent. Everything else is retried by the queue.
 */
export function createSecretSource(
  config: Pick<Config, 'veeamSecretId'>,
  env: Env = process.env,
  opts: SecretSourceOptions = {},
): SecretSource {
  const secretId = config.veeamSecretId;
  if (!env.AWS_LAMBDA_FUNCTION_NAME) {
    const sdk = memoUntilFailure(() => readSecretWithSdk(secretId));
    return { veeamCredentials: ({ fresh = false } = {}) => (fresh ? sdk.refresh() : sdk.get()) };
  }
  const log = opts.log ?? logger;
  let useSdk = false;

  const read = async (): Promise<VeeamCredentials> => {
    if (useSdk) return readSecretWithSdk(secretId);
    try {
      return await readSecretFromExtension({ ...opts.extension, secretId, env });
    } catch (err) {
      if (err instanceof ExtensionRefusedError) {
        // The extension's 400 cannot tell a missing secret from one it is not ready to serve: Secrets Manager can.
        // Its answer decides: the credentials, a permanent ResourceNotFound / AccessDenied, or a retryable failure.
        const creds = await readSecretWithSdk(secretId);
        log.warn('Parameters and Secrets extension refused VEEAM_SECRET_ID; read it with the SDK instead.', {
          error: err.message,
        });
        return creds;
      }
      if (!(err instanceof ExtensionUnreachableError)) throw err;
      useSdk = true;
      log.warn(
        'Parameters and Secrets extension not reachable; reading VEEAM_SECRET_ID with the SDK. Attach the extension layer to avoid one Secrets Manager call per cold start.',
        { error: err.message },
      );
      return readSecretWithSdk(secretId);
    }
  };
  const memo = memoUntilFailure(read);

  return {
    veeamCredentials: ({ fresh = false } = {}) =>
      fresh ? memo.refresh(() => readSecretWithSdk(secretId)) : memo.get(),
  };
}
