import { RetryableError } from '../errors';

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
