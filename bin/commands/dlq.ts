import { intValue, value } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import {
  DLQ_NAMES,
  dlqUrl,
  peekDlq,
  queueDepth,
  redriveWorkerDlq,
  type DlqName,
  type ParkedMessage,
} from '../remote/dlq';

const DEFAULT_MAX = 100;

export async function dlqListCommand(ctx: CommandContext): Promise<CommandResult> {
  const remote = await ctx.remote();
  const queues = (value(ctx.args, 'queue') ? [value(ctx.args, 'queue')] : DLQ_NAMES) as DlqName[];
  const max = intValue(ctx.args, 'max') ?? DEFAULT_MAX;
  const messages: ParkedMessage[] = [];
  const counts: Partial<Record<DlqName, number>> = {};
  for (const q of queues) {
    counts[q] = await queueDepth(remote.sqs, dlqUrl(remote.outputs, q));
    messages.push(...(await peekDlq(remote.sqs, q, dlqUrl(remote.outputs, q), max)));
  }
  const lines = queues.map((q) => {
    const mine = messages.filter((m) => m.queue === q);
    // A FIFO queue hands out one message group (here: one account) at a time, so a peek may not reach every message.
    const more =
      (counts[q] ?? 0) > mine.length
        ? ` of about ${counts[q]} (the rest: --max, or wait for earlier ones of the same account to be redriven)`
        : '';
    return [
      `${q} DLQ: ${mine.length === 0 && !counts[q] ? 'empty' : `${mine.length} message(s) shown${more}`}`,
      ...mine.map(
        (m) =>
          `  ${m.sentAt ?? '-'}  ${m.accountId ?? '-'}  ${m.reason.code}: ${m.reason.message}  (id ${m.messageId}${m.receiveCount ? `, received ${m.receiveCount}x` : ''})`,
      ),
    ].join('\n');
  });
  if (messages.some((m) => m.queue === 'worker'))
    lines.push(`Fix the cause, then: veeam-org-sync dlq redrive --stack ${remote.stack}`);
  if (messages.some((m) => m.queue !== 'worker'))
    lines.push(
      `Events and failed invocations are not redriven: fix the cause, then: veeam-org-sync reconcile --stack ${remote.stack}`,
    );
  return { exitCode: 0, data: { stack: remote.stack, queues, counts, messages }, text: lines.join('\n') };
}

export async function dlqRedriveCommand(ctx: CommandContext): Promise<CommandResult> {
  const remote = await ctx.remote();
  const task = await redriveWorkerDlq(remote.sqs, remote.outputs);
  return {
    exitCode: 0,
    data: { stack: remote.stack, queue: 'worker', ...task },
    text: `Moving about ${task.messages} message(s) from the worker DLQ back to the account queue (task ${task.taskHandle}); the worker picks them up as they arrive.`,
  };
}
