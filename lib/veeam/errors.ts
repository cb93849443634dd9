import { SyncError } from '../errors';

/** The Veeam appliance answered with a problem (problem+json mapped to fields). */
export class VeeamApiError extends SyncError {
  override readonly name: string = 'VeeamApiError';
  readonly code: string;
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly status: number,
    readonly problem: { type?: string; title?: string; errorCode?: string; detail?: string } = {},
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.code = problem.errorCode ?? `Http${status}`;
    this.retryable = options?.retryable ?? (status === 429 || status >= 500);
  }
}

/** TLS verification of the appliance failed; names the setting that fixes it. */
export class VeeamTlsError extends SyncError {
  override readonly name: string = 'VeeamTlsError';
  readonly code = 'VeeamTlsVerification';
  readonly retryable = false;
  constructor(
    message: string,
    readonly presentedSha256?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The appliance could not be reached or the connection broke: worth retrying, unlike an HTTP answer. */
export class NetworkError extends Error {
  override readonly name: string = 'NetworkError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
