/** An "IAM role from another account" entry in the appliance (`/api/v1/accounts/amazon`). */
export interface VeeamEntry {
  id: string;
  name: string;
  description: string | null;
  /** IAMRoleFromAnotherAccount.accountId (12 digits); empty for entries of other kinds. */
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
  /** Counters for tests, the bench and the sandbox. */
  readonly stats: { logins: number; refreshes: number; requests: number };
}
