import { heldReasonOf } from '../../lib/account/offboarding-held';
import type { ReconcileReport } from '../../lib/fleet/reconcile';
import { flag, intValue, values } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import { renderAccounts, table } from '../render-accounts';
import { explainAccounts, HELD_EXIT } from './results';
import { isAccountReport, isPlanned, runReconcile } from './run-reconcile';

function render(report: ReconcileReport): string {
  const reports = report.accounts.filter(isAccountReport);
  const planned = report.accounts.filter(isPlanned);
  const lines: string[] = [];
  if (report.dryRun) lines.push('Dry run: nothing was changed. Plan:');
  if (reports.length) lines.push(renderAccounts(reports));
  if (planned.length)
    lines.push(
      table(
        ['account', 'plan', 'reason'],
        planned.map((a) => [a.accountId, a.action, a.reason]),
      ),
    );
  if (!report.accounts.length) lines.push('No account to reconcile.');
  if (report.enqueued) lines.push('', `Enqueued ${report.enqueued} account(s) for the worker.`);
  if (report.notProtected.length) {
    lines.push('', 'Not protected:');
    for (const n of report.notProtected) lines.push(`  ${n.accountId}  ${n.reason}`);
  }
  const guard = report.offboardGuard;
  if (guard?.held)
    lines.push(
      '',
      `Offboarding held: ${heldReasonOf(guard).replace(/^offboarding held: /, '')}`,
      `  ${guard.accounts.join(' ')}`,
    );
  else if (guard?.permit === 'grant')
    lines.push(
      '',
      `Offboarding confirmed: a grant names the ${guard.need} account(s) beyond the offboarding budget (valid 1 hour).`,
    );
  return lines.join('\n');
}

export async function reconcileCommand(ctx: CommandContext): Promise<CommandResult> {
  const accountIds = values(ctx.args, 'account');
  const allowOffboard = intValue(ctx.args, 'allow-offboard');
  const report = await runReconcile(ctx, 'reconcile', {
    dryRun: flag(ctx.args, 'dry-run'),
    ...(accountIds.length ? { accountIds } : {}),
    ...(allowOffboard !== undefined ? { allowOffboard } : {}),
  });
  const explained = explainAccounts(report.accounts.filter(isAccountReport));
  const next = explained.reports[Symbol.iterator]();
  report.accounts = report.accounts.map((a) => (isAccountReport(a) ? (next.next().value ?? a) : a));
  const exitCode = report.offboardGuard?.held ? HELD_EXIT : explained.exitCode;
  return { exitCode, data: { report }, text: render(report) };
}
