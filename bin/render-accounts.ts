import type { AccountReport } from '../lib/account/account-report';

/** Plain-text table: operators read it in terminals and CI logs, so no colours or box characters. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Why an account needs attention, in one line. */
function note(r: AccountReport): string {
  if (r.error) return `${r.error.code}: ${r.error.message}`;
  if (r.held) return `${r.scopeReason}; ${r.held}`;
  if (!r.inScope) return r.scopeReason;
  if (r.action === 'conflict')
    return r.roles.flatMap((x) => (x.role === 'conflict' || x.veeam === 'conflict' ? x.changes : [])).join('; ');
  return '';
}

/** One row per account: scope, what happened, each role's IAM and Veeam state, external-ID age. */
export function renderAccounts(reports: AccountReport[]): string {
  const rows = reports.map((r) => [
    r.accountId,
    r.inScope ? 'in scope' : 'out of scope',
    r.action,
    r.roles.map((x) => `${x.roleName}:${x.role}`).join(' ') || '-',
    r.roles.map((x) => `${x.blueprint}:${x.veeam}`).join(' ') || '-',
    r.roles.map((x) => (x.externalIdAgeDays === undefined ? '-' : `${x.externalIdAgeDays}d`)).join(' ') || '-',
    note(r),
  ]);
  return table(['account', 'scope', 'action', 'IAM roles', 'Veeam entries', 'ext-ID age', 'note'], rows);
}
