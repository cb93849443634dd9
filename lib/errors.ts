/**
 * One error path: every failure the service can explain is one of these. Handlers decide retry vs DLQ from
 * `retryable` alone, so no call site needs its own try/catch policy.
 */
abstract class SyncError extends Error {
  /** Spelled out in every class: the bundles are minified, and a class's own name does not survive that. */
  abstract override readonly name: string;
  abstract readonly code: string;
  /** true: try again later (requeue); false: retrying cannot help, send to the DLQ with this message. */
  abstract readonly retryable: boolean;
}

/** Configuration is missing or invalid; lists every problem at once. */
export class ConfigError extends SyncError {
  override readonly name: string = 'ConfigError';
  readonly code = 'ConfigError';
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
  }
}

/** The input (event, message, invocation payload) cannot be understood. */
export class InvalidInputError extends SyncError {
  override readonly name: string = 'InvalidInputError';
  readonly code = 'InvalidInput';
  readonly retryable = false;
}

/** A transient condition (throttling, new account not yet accessible, appliance down): requeue. */
export class RetryableError extends SyncError {
  override readonly name: string = 'RetryableError';
  readonly code: string;
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.code = options?.code ?? 'Retryable';
  }
}

/**
 * Another writer (a second rotation, the CLI next to the worker, a hand edit) changed the role's trust or the
 * Veeam entry between our read and our write. Nothing was written; the caller re-reads and decides again, and if
 * that keeps losing, the request is retried later like any transient failure.
 */
export class ConcurrentChangeError extends RetryableError {
  override readonly name: string = 'ConcurrentChangeError';
  constructor(message: string) {
    super(message, { code: 'ConcurrentChange' });
  }
}

/** We could not get into a member account with any configured role. */
export class MemberAccessError extends SyncError {
  override readonly name: string = 'MemberAccessError';
  readonly code = 'MemberAccessDenied';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

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

export function describeError(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof SyncError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof Error) return { code: err.name, message: err.message, retryable: true };
  return { code: 'Unknown', message: String(err), retryable: true };
}
