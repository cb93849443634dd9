/** The one message the account queue carries: "account X may have changed" (or "rotate its external IDs"). */
export interface AccountRequest {
  accountId: string;
  action: 'sync' | 'rotate';
  /** Why: the event name, 'reconcile', 'rotation-due', 'manual'. */
  reason: string;
  /** CloudTrail event id when from an event: FIFO deduplication id. */
  eventId?: string;
  /** rotate only: rotate even when the external ID is not due. */
  force?: boolean;
  /** sync from a reconcile: what its plan read about the account, so the worker need not read it again. */
  plan?: PlannedAccountContext;
}

/**
 * What a reconcile plan knew about one account when it enqueued it: the scope decision and the account's entries from
 * the listing of every entry. Trusted by the worker only while fresh (lib/account/planned.ts).
 */
export interface PlannedAccountContext {
  /** ISO time the plan read Organizations and Veeam. */
  plannedAt: string;
  inScope: boolean;
  scopeReason: string;
  /** This account's Veeam entries, whatever their names (the shape of lib/veeam VeeamEntry). */
  entries: Array<{ id: string; name: string; description: string | null; accountId: string; roleName: string }>;
}

export interface AccountQueue {
  /**
   * `runId` names one scheduled or manual run (reconcile, rotate): its requests are deduplicated within the run,
   * never against an earlier run, so a re-run right after a fix is not swallowed.
   */
  send(requests: AccountRequest[], opts?: { runId?: string }): Promise<void>;
}
