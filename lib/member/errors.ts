import { RetryableError, SyncError } from '../errors';

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

/**
 * The dedicated access role is not (yet) in the account: typically a new account the StackSet has not reached, for
 * a few minutes; for good, an account outside the StackSet's target OUs. Retryable: the worker redelivers it on a
 * short backoff, and the final dead-letter reason is this message.
 */
export class AccessRoleMissingError extends RetryableError {
  override readonly name: string = 'AccessRoleMissingError';
  constructor(
    readonly accountId: string,
    readonly roleName: string,
    options?: { cause?: unknown },
  ) {
    super(
      `access role ${roleName} missing: is the account in a StackSet target OU? ` +
        `(AssumeRole into ${accountId} was denied. A new account gets the role from the service's StackSet within minutes; ` +
        `otherwise move the account under SCOPE_OU_IDS / the StackSet's targets, or check that the role trusts this caller: the service's function roles, or for the CLI a role in the stack parameter operatorRoleArns.)`,
      { ...options, code: 'AccessRoleMissing' },
    );
  }
}
