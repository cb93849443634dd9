import type { AccountReport } from '../../lib/account/account-report';
import { convergeInProcess, reconcile, type ReconcileReport } from '../../lib/fleet/reconcile';
import type { PlannedAccount } from '../../lib/fleet/plan-reconcile';
import { flag } from '../flags';
import type { CommandContext } from '../context';
import type { Progress } from '../progress';

export interface ReconcileRequest {
  dryRun: boolean;
  accountIds?: string[];
  allowOffboard?: number;
  /** Remote dry runs only: read IAM of every account too (status). */
  deep?: boolean;
}

export const isAccountReport = (a: ReconcileReport['accounts'][number]): a is AccountReport => 'roles' in a;
export const isPlanned = (a: ReconcileReport['accounts'][number]): a is PlannedAccount => !('roles' in a);

/**
 * In-process: the same reconcile as the Lambda's, converging here with progress on stderr. With --stack: the
 * deployed reconcile function, whose report is printed as is.
 */
export async function runReconcile(
  ctx: CommandContext,
  label: string,
  req: ReconcileRequest,
): Promise<ReconcileReport> {
  if (flag(ctx.args, 'stack')) {
    const remote = await ctx.remote();
    ctx.note(`Invoking ${remote.outputs.reconcileFunctionName} ...`);
    const payload = {
      dryRun: req.dryRun,
      ...(req.accountIds?.length ? { accountIds: req.accountIds } : req.deep ? { deep: true } : {}),
      ...(req.allowOffboard !== undefined ? { allowOffboard: req.allowOffboard } : {}),
    };
    return remote.invoke<ReconcileReport>(remote.outputs.reconcileFunctionName, payload);
  }
  let progress: Progress | undefined;
  const report = await reconcile(ctx.deps(), {
    dryRun: req.dryRun,
    ...(req.accountIds?.length ? { accountIds: req.accountIds } : {}),
    ...(req.allowOffboard !== undefined ? { allowOffboard: req.allowOffboard } : {}),
    dispatcher: convergeInProcess(({ total, account }) => {
      progress ??= ctx.progress(label, total);
      progress.tick(account.action === 'error');
    }),
  });
  progress?.finish();
  return report;
}
