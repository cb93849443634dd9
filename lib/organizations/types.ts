/**
 * Named states for readability; any other string the API may add later is still accepted
 * (`string & NonNullable<unknown>` keeps the literals visible to editors and lint, unlike a bare `| string`).
 */
export type AccountStatus =
  'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | 'PENDING_ACTIVATION' | (string & NonNullable<unknown>);

export interface OrgAccount {
  id: string;
  name: string;
  status: AccountStatus;
}

/** AWS Organizations, read only. Paged and throttling-tolerant in the AWS adapter. */
export interface Organization {
  managementAccountId(): Promise<string>;
  /** undefined when the account is not (or no longer) a member of the organization. */
  describeAccount(accountId: string): Promise<OrgAccount | undefined>;
  /** Parent chain from the direct parent up to the root, e.g. ['ou-ab12-2222', 'ou-ab12-1111', 'r-ab12']. */
  ancestors(accountId: string): Promise<string[]>;
  /** The ids among these roots/OUs that do not exist in the organization (none: []). */
  missingParents(parentIds: readonly string[]): Promise<string[]>;
  /** Every account under these roots/OUs, nested OUs included; all accounts of the org when `parentIds` is empty. */
  listAccountsUnder(parentIds: string[]): AsyncIterable<OrgAccount>;
}
