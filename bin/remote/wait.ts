import type { ReconcileReport } from '../../lib/fleet/reconcile';
import type { AccountReport } from '../../lib/account/account-report';
import { peekDlq, queueDepth, type ParkedMessage } from './dlq';
import type { Remote } from './stack';

export interface WaitOutcome {
  /** The accounts' state after the worker finished: a dry-run reconcile of exactly them (IAM and Veeam read). */
  accounts: AccountReport[];
  /** Requests for these accounts the worker dead-lettered while we waited, with the reason. */
  parked: ParkedMessage[];
  waitedSeconds: number;
}

export class WaitTimeoutError extends Error {
  readonly code = 'WaitTimeout';
  constructor(message: string) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

const POLL_MS = 5_000;
/** The depth attributes are approximate and lag a send by moments: believe "empty" only when read twice. */
const EMPTY_READS = 2;

/**
 * `--wait`: the queue does not say when one message is done, so wait until the account queue is empty (nothing
 * waiting, in flight or delayed: the worker has handled our request and everything before it in its group),
 * then read the worker DLQ for our accounts and ask the deployed reconcile function for a dry run of exactly
 * these accounts. Under constant traffic the queue may not empty before the timeout; then the wait fails (exit 1)
 * and the request still runs.
 */
export async function waitForWorker(
  remote: Remote,
  accountIds: string[],
  opts: {
    timeoutSeconds: number;
    since: number;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    /** Each depth read that differs from the last (for a line on stderr). */
    onDepth?: (depth: number, waitedSeconds: number) => void;
  },
): Promise<WaitOutcome> {
  const started = opts.now();
  const deadline = started + opts.timeoutSeconds * 1000;
  let empty = 0;
  let last: number | undefined;
  for (;;) {
    const depth = await queueDepth(remote.sqs, remote.outputs.accountQueueUrl);
    if (depth !== last) opts.onDepth?.(depth, Math.round((opts.now() - started) / 1000));
    last = depth;
    empty = depth === 0 ? empty + 1 : 0;
    if (empty >= EMPTY_READS) break;
    if (opts.now() + POLL_MS > deadline)
      throw new WaitTimeoutError(
        `still ${depth} request(s) on the account queue after ${opts.timeoutSeconds} s; the request stays queued and will run. Check later with: veeam-org-sync status --stack ${remote.stack} --account ${accountIds[0]}`,
      );
    await opts.sleep(POLL_MS);
  }
  const wanted = new Set(accountIds);
  const parked = (await peekDlq(remote.sqs, 'worker', remote.outputs.workerDlqUrl, 100)).filter(
    (m) => m.accountId && wanted.has(m.accountId) && (!m.sentAt || Date.parse(m.sentAt) >= opts.since),
  );
  const report = await remote.invoke<ReconcileReport>(remote.outputs.reconcileFunctionName, {
    dryRun: true,
    accountIds,
  });
  const accounts = report.accounts.filter((a): a is AccountReport => 'roles' in a);
  return { accounts, parked, waitedSeconds: Math.round((opts.now() - started) / 1000) };
}
