import { organizationCoverage } from '../../lib/fleet/coverage';
import { values } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import { table } from '../render-accounts';

/**
 * Which accounts in scope an enabled backup policy covers (read only: never creates or edits a policy). In-process:
 * it reads Organizations and the appliance with the caller's credentials and the same settings as the Lambdas.
 * Exit 0 when every account is covered, 1 when one is not.
 */
export async function coverageCommand(ctx: CommandContext): Promise<CommandResult> {
  const accountIds = values(ctx.args, 'account');
  const report = await organizationCoverage(ctx.deps(), accountIds.length ? { accountIds } : {});
  const accounts = report.accounts.map((a) => ({
    accountId: a.accountId,
    covered: a.covered,
    policies: a.policies,
    reason: a.reason ?? null,
  }));
  const rows = accounts.map((a) => [
    a.accountId,
    a.covered ? 'covered' : 'NOT covered',
    a.policies
      .map(
        (p) =>
          `${p.name} (${p.workload}${p.enabled ? '' : ', disabled'}${p.lastSessionFailed ? ', last session failed' : ''})`,
      )
      .join(', ') || '-',
    a.reason ?? '',
  ]);
  const t = report.totals;
  const lines = [
    table(['ACCOUNT', 'COVERAGE', 'POLICIES', 'REASON'], rows),
    '',
    `Totals: ${t.inScope} in scope, ${t.covered} covered, ${t.notCovered} not covered; ${t.policies} policies read, ${t.failedPolicies} with a failed last session`,
    ...report.failedPolicies.map((p) => `Last session failed: ${p.name} (${p.workload})`),
    ...(report.skippedCollections.length
      ? [
          `Skipped (not in REST ${report.apiVersion ?? 'this revision'}): ${report.skippedCollections.map((c) => `${c.workload} ${c.path}`).join(', ')}`,
        ]
      : []),
  ];
  return {
    exitCode: accounts.every((a) => a.covered) ? 0 : 1,
    data: {
      accounts,
      totals: t,
      failedPolicies: report.failedPolicies,
      skippedCollections: report.skippedCollections,
      ...(report.apiVersion ? { apiVersion: report.apiVersion } : {}),
    },
    text: lines.join('\n'),
  };
}
