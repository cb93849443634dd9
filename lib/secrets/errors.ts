import { SyncError } from '../errors';

/** Reading the Veeam credentials failed. */
export class SecretError extends SyncError {
  override readonly name: string = 'SecretError';
  readonly code = 'SecretUnavailable';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Nothing listens on the extension port: the layer is probably not attached. Lets the caller fall back to the SDK. */
export class ExtensionUnreachableError extends SecretError {
  override readonly name: string = 'ExtensionUnreachableError';
  constructor(port: number, cause: unknown) {
    super(
      `The AWS Parameters and Secrets Lambda Extension is not listening on localhost:${port} (is the layer attached to the function?).`,
      true,
      { cause },
    );
  }
}

/**
 * The extension kept answering 400 for the whole bounded retry: the secret may be missing, the function may lack
 * the permission, or the extension may still not be ready: its 400 body is the same generic text for all of them
 * (the real reason only goes to CloudWatch Logs). Retryable on its own; createSecretSource asks Secrets Manager
 * directly to tell them apart.
 */
export class ExtensionRefusedError extends SecretError {
  override readonly name: string = 'ExtensionRefusedError';
  constructor(
    readonly port: number,
    secretId: string,
  ) {
    super(
      `The Parameters and Secrets extension answered HTTP 400 for VEEAM_SECRET_ID=${secretId} on every attempt. Likely causes: the secret does not exist in this region, ` +
        `the function role lacks secretsmanager:GetSecretValue (and kms:Decrypt for a customer managed key), the extension layer is missing or not ready, or AWS_SESSION_TOKEN was not passed. The extension logs the exact reason to CloudWatch Logs.`,
      true,
    );
  }
}
