/** An "IAM role from another account" entry in the appliance (`/api/v1/accounts/amazon`). */
export interface VeeamEntry {
  id: string;
  name: string;
  description: string | null;
  /** IAMRoleFromAnotherAccount.accountId (12 digits); empty for entries of other kinds. */
  accountId: string;
  roleName: string;
}

/** Any IAM-role entry, cross-account or the appliance's own account's (`IAMRole`, accountId ''). */
export interface VeeamRoleEntry {
  id: string;
  name: string;
  kind: 'IAMRoleFromAnotherAccount' | 'IAMRole' | 'other';
  accountId: string;
  roleName: string;
}

/** What we PUT/POST; externalId is write-only on the appliance. */
export interface VeeamEntrySpec {
  name: string;
  description: string;
  accountId: string;
  roleName: string;
  externalId: string;
}

export interface ValidationMessage {
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the literals document the two values the appliance sends
  severity: 'Warning' | 'Error' | string;
  message: string;
  contextId?: string;
}

export interface VeeamSession {
  id: string;
  status: string;
  result: string;
  reason?: string;
}

/** A logged-in appliance client. One login per invocation; the token is reused while warm. */
export interface VeeamApi {
  /** All pages. `searchPattern` narrows by entry name (e.g. `123456789012-*`). */
  listEntries(opts?: { searchPattern?: string }): Promise<VeeamEntry[]>;
  createEntry(spec: VeeamEntrySpec): Promise<VeeamEntry>;
  updateEntry(id: string, spec: VeeamEntrySpec): Promise<VeeamEntry>;
  validateDelete(id: string): Promise<ValidationMessage[]>;
  /** 404 is success ('already-gone'). */
  deleteEntry(id: string): Promise<'deleted' | 'already-gone'>;
  /** Starts a rescan (proves the appliance can assume the role) and waits for its session to end. */
  rescanAndWait(id: string, opts?: { timeoutMs?: number }): Promise<VeeamSession>;
  /**
   * GET /api/v1/system/version: the product version the appliance reports (e.g. 10.0.0.232); read once per client
   * (one container), since an upgrade restarts the appliance's sessions anyway. undefined when it does not say.
   */
  systemVersion(): Promise<string | undefined>;
  /**
   * POST /api/v1/organizations/amazon/rescan (REST 1.7-rev0 and later; 202): the appliance reads the organization
   * again with the rescan role of entry `rescanIamRoleId` and finds the roles of new accounts.
   */
  rescanOrganization(rescanIamRoleId: string, storage?: 'Database' | 'InMemory'): Promise<void>;
  /** Every item of a paged collection (e.g. /api/v1/rds/policies); 'not-found' when this revision has none (404). */
  listCollection(path: string): Promise<unknown[] | 'not-found'>;
  /** Every entry of any kind, with the fields that name its role (for finding the rescan role's entry). */
  listRoleEntries(): Promise<VeeamRoleEntry[]>;
  /** The negotiated x-api-version, once a request has been answered. */
  readonly apiVersion: string | undefined;
  /** Counters for tests, the bench and the sandbox. */
  readonly stats: { logins: number; refreshes: number; requests: number };
}
