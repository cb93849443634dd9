import { SqsAccountQueue } from '../../lib/queue/sqs-queue';
import type { AccountRequest } from '../../lib/queue/types';
import { flag, intValue } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import { renderAccounts } from '../render-accounts';
import { waitForWorker } from '../remote/wait';
import { explainAccounts, HELD_EXIT } from './results';

const DEFAULT_WAIT_SECONDS = 900;

/**
 * Remote sync / rotate: the request goes on the account queue like an event's, so the FIFO group (the account)
 * serializes it with everything the deployed worker does to that account. `--wait` then waits for the outcome.
 */
export async function enqueueRemote(ctx: CommandContext, requests: AccountRequest[]): Promise<CommandResult> {
  const remote = await ctx.remote();
  const since = ctx.now();
  const queue = new SqsAccountQueue(remote.outputs.accountQueueUrl, { client: remote.sqs });
  // Its own run id: a second request within the 5-minute FIFO deduplication window is a new request, not a duplicate.
  await queue.send(requests, { runId: `cli-${new Date(since).toISOString()}` });
  const ids = requests.map((r) => r.accountId);
  const enqueued = { stack: remote.stack, enqueued: requests };
  const what = `${requests[0]?.action ?? 'sync'} request${ids.length === 1 ? '' : 's'} for ${ids.join(', ')}`;
  if (!flag(ctx.args, 'wait'))
    return {
      exitCode: 0,
      data: enqueued,
      text: `Enqueued ${what} on ${remote.stack}'s account queue; the worker handles it shortly (add --wait to wait for the outcome).`,
    };
  ctx.note(`Enqueued ${what}; waiting for the worker ...`);
  const outcome = await waitForWorker(remote, ids, {
    timeoutSeconds: intValue(ctx.args, 'timeout') ?? DEFAULT_WAIT_SECONDS,
    since,
    now: () => ctx.now(),
    sleep: (ms) => ctx.sleep(ms),
    onDepth: (depth, seconds) => ctx.note(`${seconds}s: ${depth} request(s) on the account queue`),
  });
  const parked = outcome.parked.map(
    (m) => `  ${m.accountId}  parked in the worker DLQ: ${m.reason.code}: ${m.reason.message}`,
  );
  const notConverged = outcome.accounts.some((a) => a.action !== 'ok');
  // The outcome is a dry run of the accounts after the worker: one still held by the offboarding budget says so.
  const held = outcome.accounts.some((a) => a.action === 'held');
  return {
    exitCode: held ? HELD_EXIT : parked.length || notConverged ? 1 : explainAccounts(outcome.accounts).exitCode,
    data: { ...enqueued, outcome },
    text: [renderAccounts(outcome.accounts), ...(parked.length ? ['', ...parked] : [])].join('\n'),
  };
}
