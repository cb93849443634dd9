/** What convergence did (or, in a dry run, would do) for one account: the unit of every report. */
export type AccountAction =
  | 'ok'
  | 'create'
  | 'repair'
  | 'register'
  | 'update'
  | 'offboard'
  | 'rotate'
  | 'conflict'
  | 'error'
  | 'skip'
  /** Out of scope, but the offboarding budget (or a missing one) held it: nothing was removed. */
  | 'held';

export interface RoleReport {
  blueprint: string;
  roleName: string;
  /** IAM side. */
  role: 'created' | 'repaired' | 'ok' | 'conflict' | 'removed' | 'absent' | 'unknown';
  /** Veeam side. */
  veeam: 'created' | 'updated' | 'ok' | 'conflict' | 'removed' | 'refused' | 'absent' | 'not-registered' | 'unknown';
  changes: string[];
  /** Age in days of the external ID the role trusts (undefined when unknown). */
  externalIdAgeDays?: number;
  rotation?: 'started' | 'pushed' | 'completed' | 'in-progress';
}

export interface AccountReport {
  accountId: string;
  inScope: boolean;
  /** Why the account is (not) in scope, e.g. 'excluded by EXCLUDED_ACCOUNT_IDS'. */
  scopeReason: string;
  action: AccountAction;
  roles: RoleReport[];
  dryRun: boolean;
  error?: { code: string; message: string; retryable: boolean };
  /** action 'held': why nothing was removed and how to confirm the offboarding on purpose. */
  held?: string;
}
