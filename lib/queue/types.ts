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
  send(requests: AccountRequest[]): Promise<void>;
}
