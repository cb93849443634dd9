import { flag, values } from '../args';
import type { CommandContext, CommandResult } from '../context';
import { renderStatus, summarize } from '../render-status';
import { explainAccounts } from './results';
import { isAccountReport, runReconcile } from './run-reconcile';
import { veeamModeNote } from './veeam-mode-note';

const DEFAULT_MAX_AGE_DAYS = 90;

/** A dry run of every account (or the named ones), IAM included: what is, what would be done, totals. */
export async function statusCommand(ctx: CommandContext): Promise<CommandResult> {
  const accountIds = values(ctx.args, 'account');
  const report = await runReconcile(ctx, 'status', {
    dryRun: true,
    ...(accountIds.length ? { accountIds } : { deep: true }),
  });
  const { reports, exitCode } = explainAccounts(report.accounts.filter(isAccountReport));
  const maxAge = flag(ctx.args, 'stack')
    ? ((await ctx.remote()).externalIdMaxAgeDays ?? DEFAULT_MAX_AGE_DAYS)
    : ctx.deps().config.externalIdMaxAgeDays;
  // Accounts named with --account that are not in scope have no report of their own: say why.
  const shown = new Set(reports.map((r) => r.accountId));
  const named = new Set(accountIds);
  const outOfScope = report.notProtected.filter((n) => named.has(n.accountId) && !shown.has(n.accountId));
  const summary = summarize(reports, maxAge, outOfScope);
  // In-process only: the deployed stack's mode and appliance version are its own (see its reconcile logs).
  const mode = flag(ctx.args, 'stack') ? undefined : await veeamModeNote(ctx.deps());
  return {
    exitCode,
    data: { totals: summary.totals, notProtected: summary.notProtected, accounts: reports, ...(mode ?? {}) },
    text: renderStatus(reports, summary) + (mode ? `\n${mode.note}` : ''),
  };
}
