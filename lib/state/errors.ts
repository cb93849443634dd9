import { RetryableError } from '../errors';

/** Too many writers on one key for the attempts allowed: transient, the caller's run is retried. */
export class StateContentionError extends RetryableError {
  override readonly name: string = 'StateContentionError';
  constructor(key: string, attempts: number) {
    super(
      `state item "${key}" changed under ${attempts} consecutive writes (other workers are writing it); the request is ` +
        'retried',
      { code: 'StateContention' },
    );
  }
}
