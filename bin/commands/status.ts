import type { OffboardGuard } from '../../lib/fleet/reconcile';
import { flag, values } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import { renderStatus, summarize } from '../render-status';
import { explainAccounts } from './results';
import { isAccountReport, runReconcile } from './run-reconcile';
import { veeamModeNote } from './veeam-mode-note';

const DEFAULT_MAX_AGE_DAYS = 90;

/** The offboarding budget as it stands: what is used in the window, the limit, and the operators' grants. */
function budgetLines(guard: OffboardGuard | undefined): string[] {
  if (!guard) return ['Offboarding: OFFBOARD_MODE=retain, nothing is ever removed (no budget needed).'];
  const w = guard.window;
  if (guard.budget === 'run' || !w)
    return [
      `Offboarding budget: none shared (no state table here): a whole-organization reconcile offboards at most ${guard.limit} per run; single accounts only with reconcile --account ID --allow-offboard 1.`,
    ];
  const lines = [
    `Offboarding budget: ${w.used} of ${w.limit} used in the last ${w.windowHours} hours (OFFBOARD_MAX_PER_RUN, shared by every path).`,
    ...w.taken.map((t) => `  ${t.accountId}  offboarded ${t.at}, counts until ${t.until}`),
  ];
  for (const g of w.grants)
    lines.push(
      `  grant until ${g.until} (given ${g.grantedAt}) for ${g.accounts.length} account(s): ${g.accounts.join(' ')}`,
    );
  return lines;
}

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
  const budget = budgetLines(report.offboardGuard);
  // In-process only: the deployed stack's mode and appliance version are its own (see its reconcile logs).
  const mode = flag(ctx.args, 'stack') ? undefined : await veeamModeNote(ctx.deps());
  return {
    exitCode,
    data: {
      totals: summary.totals,
      notProtected: summary.notProtected,
      accounts: reports,
      offboardBudget: report.offboardGuard?.window ?? null,
      ...(mode ?? {}),
    },
    text: [renderStatus(reports, summary), ...(mode ? [mode.note] : []), '', ...budget].join('\n'),
  };
}
