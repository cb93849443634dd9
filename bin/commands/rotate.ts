import { rotateAccount } from '../../lib/account/rotate-account';
import { dueAccounts, type RotationSchedule } from '../../lib/fleet/due-rotations';
import { mapLimit } from '../../lib/util/map-limit';
import { flag, intValue, values } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import type { Progress } from '../progress';
import { enqueueRemote } from './enqueue';
import { accountsResult } from './results';

async function rotateRemote(ctx: CommandContext, accountIds: string[], force: boolean): Promise<CommandResult> {
  if (accountIds.length)
    return enqueueRemote(
      ctx,
      accountIds.map((accountId) => ({ accountId, action: 'rotate', reason: 'manual', ...(force ? { force } : {}) })),
    );
  // Which accounts are due is decided where the appliance is reachable: the deployed rotate function.
  const remote = await ctx.remote();
  ctx.note(`Invoking ${remote.outputs.rotateFunctionName} ...`);
  const schedule = await remote.invoke<RotationSchedule>(remote.outputs.rotateFunctionName, force ? { force } : {});
  return {
    exitCode: 0,
    data: { stack: remote.stack, schedule },
    text:
      `Enqueued ${schedule.enqueued} rotation(s) on ${remote.stack}: ${schedule.accounts.join(' ') || '(none due)'}` +
      (schedule.deferred ? `\n${schedule.deferred} more due account(s) are left for the next runs.` : ''),
  };
}

/** In-process: every rotation completes before returning, each phase printed on stderr. */
export async function rotateCommand(ctx: CommandContext): Promise<CommandResult> {
  const accountIds = values(ctx.args, 'account');
  const force = flag(ctx.args, 'force');
  if (flag(ctx.args, 'stack')) return rotateRemote(ctx, accountIds, force);
  const deps = ctx.deps();
  const wait = intValue(ctx.args, 'propagation-wait');
  if (wait !== undefined) deps.config.propagationWaitSeconds = wait;
  const targets = accountIds.length ? accountIds : (await dueAccounts(deps, { force, limited: false })).due;
  const progress: Progress | undefined = targets.length ? ctx.progress('rotate', targets.length) : undefined;
  const reports = await mapLimit(targets, deps.config.concurrency, async (id) => {
    const report = await rotateAccount(deps, id, {
      force,
      dryRun: flag(ctx.args, 'dry-run'),
      onPhase: (account, role, phase) =>
        ctx.note(`${new Date(ctx.now()).toISOString()}  ${account}  ${role.padEnd(20)}  ${phase}`),
    });
    progress?.tick(report.action === 'error');
    return report;
  });
  progress?.finish();
  const result = accountsResult(reports);
  return targets.length
    ? result
    : { ...result, text: 'No external ID is due for rotation (use --force to rotate anyway).' };
}
