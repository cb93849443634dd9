import type { RoleIam } from '../roles/types';

/** Gets into member accounts (assume role, credential cache, management account with own credentials). */
export interface MemberAccess {
  /** Throws MemberAccessError (retryable for a brand-new account still denying access). */
  roles(accountId: string): Promise<RoleIam>;
}
