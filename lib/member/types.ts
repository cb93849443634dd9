import type { RoleIam } from '../roles/types';

/** Gets into member accounts (assume role, credential cache, management account with own credentials). */
export interface MemberAccess {
  /**
   * Throws MemberAccessError (existing roles; retryable for a brand-new account still denying access) or
   * AccessRoleMissingError (dedicated access role not deployed there yet; retryable).
   */
  roles(accountId: string): Promise<RoleIam>;
}
