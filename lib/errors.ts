/**
 * One error path: every failure the service can explain is one of these. Handlers decide retry vs DLQ from
 * `retryable` alone (describeError below), so no call site needs its own try/catch policy. The errors shared by
 * every layer live here; a package's own errors live in its `errors.ts` (lib/veeam, lib/member, lib/roles,
 * lib/secrets, lib/state) and extend these.
 */
export abstract class SyncError extends Error {
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
 * A state that must not happen (a broken invariant, a wiring mistake, an answer no protocol allows): a bug, so
 * retrying cannot help; the request goes to the DLQ at once with this message.
 */
export class InvariantError extends SyncError {
  override readonly name: string = 'InvariantError';
  readonly code = 'Invariant';
  readonly retryable = false;
}

/*
 * The AWS SDK's own retry classification (Smithy's service-error-classification, which the SDK's standard retry
 * strategy applies): error names that mean throttling or a transient condition, HTTP statuses of a transient server
 * failure, and Node.js socket error codes. An error that is none of these is not retried.
 */
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // undici (fetch) names its socket and timeout failures itself.
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface AwsShapedError {
  name?: string;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** True only for the documented signals of a transient failure, on the error or anywhere in its cause chain. */
export function isTransient(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 8) return false;
  if (err instanceof SyncError) return err.retryable;
  const e = err as AwsShapedError;
  if (e.name === 'AbortError') return false;
  const status = e.$metadata?.httpStatusCode;
  return (
    e.$retryable !== undefined ||
    THROTTLING_NAMES.has(e.name ?? '') ||
    TRANSIENT_NAMES.has(e.name ?? '') ||
    (status !== undefined && (TRANSIENT_STATUS.has(status) || (status >= 500 && status <= 599))) ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    isTransient(e.cause, depth + 1)
  );
}

/**
 * The one classification every handler decides retry vs DLQ from: our own errors say it themselves; anything else
 * is retried only when it is a documented transient failure (throttling, timeout, 5xx, network), otherwise it is a
 * bug or a refusal that retrying cannot fix.
 */
export function describeError(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof SyncError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof Error) return { code: err.name, message: err.message, retryable: isTransient(err) };
  return { code: 'Unknown', message: String(err), retryable: false };
}
