import type { AccountReport, RoleReport } from '../lib/account/account-report';
import { table } from './render-accounts';

export interface StatusTotals {
  inScope: number;
  protected: number;
  notProtected: number;
  conflicts: number;
  rotationDue: number;
}

export interface StatusSummary {
  totals: StatusTotals;
  /** Every account in scope that is not protected, and why; then accounts named with --account that are not in scope. */
  notProtected: Array<{ accountId: string; reason: string }>;
}

/** A dry run reports what it would do in the words of the change ("created"); status says what is, first. */
const IAM_NOW: Record<RoleReport['role'], string> = {
  created: 'missing',
  repaired: 'drifted',
  ok: 'ok',
  conflict: 'not ours',
  removed: 'present',
  absent: 'absent',
  unknown: 'unknown',
};
const VEEAM_NOW: Record<RoleReport['veeam'], string> = {
  created: 'missing',
  updated: 'stale ID',
  ok: 'ok',
  conflict: 'not ours',
  removed: 'registered',
  refused: 'in use',
  absent: 'absent',
  'not-registered': 'not registered',
  unknown: 'unknown',
};
const WOULD: Record<AccountReport['action'], string> = {
  ok: 'nothing',
  create: 'would create',
  repair: 'would repair',
  register: 'would register',
  update: 'would update',
  offboard: 'would offboard',
  rotate: 'would rotate',
  conflict: 'needs a person',
  error: 'failed to read',
  skip: 'nothing',
  held: 'would offboard, held by the offboarding budget',
};

/** A dry run dates the ID it would issue for a missing role; status shows the age of what exists only. */
const ageOf = (x: RoleReport): number | undefined => (x.role === 'created' ? undefined : x.externalIdAgeDays);

function rotationDue(r: AccountReport, maxAgeDays: number): boolean {
  return r.inScope && r.roles.some((x) => (ageOf(x) ?? -1) >= maxAgeDays);
}

function reasonOf(r: AccountReport): string {
  if (r.error) return `${r.error.code}: ${r.error.message}`;
  const changes = r.roles.flatMap((x) => x.changes);
  const what = r.roles
    .filter((x) => x.role !== 'ok' || x.veeam !== 'ok')
    .map((x) => `${x.roleName} ${IAM_NOW[x.role]}, Veeam entry ${VEEAM_NOW[x.veeam]}`)
    .join('; ');
  // What creation would do is plain from "missing"; a repair or a conflict needs its details to be acted on.
  const detail = changes.length && r.action !== 'create' && r.action !== 'register' ? ` (${changes.join('; ')})` : '';
  return `${what || r.action}: ${WOULD[r.action]}${detail}`;
}

/** Totals and the list of accounts that are not protected, from a dry run of every account. */
export function summarize(
  reports: AccountReport[],
  maxAgeDays: number,
  outOfScope: Array<{ accountId: string; reason: string }> = [],
): StatusSummary {
  const inScope = reports.filter((r) => r.inScope);
  const unprotected = inScope.filter((r) => r.action !== 'ok');
  return {
    totals: {
      inScope: inScope.length,
      protected: inScope.length - unprotected.length,
      notProtected: unprotected.length,
      conflicts: reports.filter((r) => r.action === 'conflict').length,
      rotationDue: reports.filter((r) => rotationDue(r, maxAgeDays)).length,
    },
    notProtected: [
      ...unprotected.map((r) => ({ accountId: r.accountId, reason: reasonOf(r) })),
      ...outOfScope.map((o) => ({ accountId: o.accountId, reason: `out of scope: ${o.reason}` })),
    ],
  };
}

/** What is (IAM, Veeam, external-ID age) and, apart, what would be done; then the totals and the list. */
export function renderStatus(reports: AccountReport[], summary: StatusSummary): string {
  const rows = reports.map((r) => [
    r.accountId,
    r.inScope ? 'in scope' : 'out of scope',
    r.roles.map((x) => `${x.blueprint}:${IAM_NOW[x.role]}`).join(' ') || '-',
    r.roles.map((x) => `${x.blueprint}:${VEEAM_NOW[x.veeam]}`).join(' ') || '-',
    r.roles.map((x) => (ageOf(x) === undefined ? '-' : `${ageOf(x)}d`)).join(' ') || '-',
    r.action === 'conflict' ? 'conflict: needs a person' : WOULD[r.action],
  ]);
  const t = summary.totals;
  const lines = [
    table(['account', 'scope', 'IAM roles (now)', 'Veeam entries (now)', 'ext-ID age', 'would do'], rows),
    '',
    `Totals: ${t.inScope} in scope, ${t.protected} protected, ${t.notProtected} not protected, ${t.conflicts} conflict${t.conflicts === 1 ? '' : 's'}, ${t.rotationDue} rotation${t.rotationDue === 1 ? '' : 's'} due`,
  ];
  if (summary.notProtected.length) {
    lines.push('', 'Not protected:');
    for (const n of summary.notProtected) lines.push(`  ${n.accountId}  ${n.reason}`);
  }
  return lines.join('\n');
}
