import { convergeAccount } from '../../lib/account/converge-account';
import { flag } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import { enqueueRemote } from './enqueue';
import { accountsResult } from './results';

export async function syncCommand(ctx: CommandContext): Promise<CommandResult> {
  const accountId = ctx.args.positionals[0]!;
  if (flag(ctx.args, 'stack')) return enqueueRemote(ctx, [{ accountId, action: 'sync', reason: 'manual' }]);
  const report = await convergeAccount(ctx.deps(), accountId, { dryRun: flag(ctx.args, 'dry-run'), reason: 'manual' });
  return accountsResult([report]);
}
