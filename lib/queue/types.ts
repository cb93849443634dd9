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
}

export interface AccountQueue {
  /**
   * `runId` names one scheduled or manual run (reconcile, rotate): its requests are deduplicated within the run,
   * never against an earlier run, so a re-run right after a fix is not swallowed.
   */
  send(requests: AccountRequest[], opts?: { runId?: string }): Promise<void>;
}
