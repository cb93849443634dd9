import { accountAction } from './account-action';
import { accountEntries } from './account-context';
import type { Deps } from '../deps';
import { MemberAccessError } from '../errors';
import { AccessRoleMissingError } from '../member/access-role';
import type { AccountReport, RoleReport } from './account-report';
import { findEntry, unregister } from '../veeam/registration';
import type { VeeamEntry } from '../veeam/types';

/**
 * An account that left scope (moved out, suspended, closed, removed, excluded), per OFFBOARD_MODE:
 * retain: report only; unregister: remove our Veeam entries when validateDelete allows, keep the roles;
 * delete: unregister, then delete our roles where the entry is gone and the account is still reachable.
 * Entries Veeam refuses to remove (used by a policy) are kept, and so are their roles.
 */
export async function offboardAccount(
  deps: Deps,
  accountId: string,
  scopeReason: string,
  opts: { dryRun: boolean; known?: { entries: VeeamEntry[] } },
): Promise<AccountReport> {
  const { offboardMode } = deps.config;
  const veeam = await deps.veeam();
  const entries = opts.known?.entries ?? (await accountEntries(deps, veeam, accountId));
  const roles: RoleReport[] = [];

  for (const bp of deps.blueprints) {
    const found = findEntry(entries, accountId, bp);
    const report: RoleReport = {
      blueprint: bp.key,
      roleName: bp.roleName,
      role: 'unknown',
      veeam: found ? (found.owned ? 'ok' : 'conflict') : 'absent',
      changes: [],
    };
    roles.push(report);
    if (offboardMode === 'retain') {
      if (found?.owned) report.changes.push('retained (OFFBOARD_MODE=retain)');
      continue;
    }
    if (found?.owned) {
      const res = await unregister(veeam, found.entry, opts);
      report.veeam = res.status === 'refused' ? 'refused' : res.status === 'not-owned' ? 'conflict' : 'removed';
      report.changes.push(
        res.status === 'refused'
          ? `Veeam refused removal: ${(res.reasons ?? []).join('; ')}`
          : `Veeam entry ${found.entry.name} ${opts.dryRun ? 'would be removed' : res.status}`,
      );
    }
  }

  if (offboardMode === 'delete') await deleteRoles(deps, accountId, roles, opts);
  const action = !roles.some((r) => r.changes.length > 0)
    ? 'skip'
    : accountAction(roles) === 'conflict'
      ? 'conflict'
      : 'offboard';
  return { accountId, inScope: false, scopeReason, dryRun: opts.dryRun, action, roles };
}

async function deleteRoles(deps: Deps, accountId: string, roles: RoleReport[], opts: { dryRun: boolean }) {
  let iam;
  try {
    iam = await deps.member.roles(accountId);
  } catch (err) {
    // A removed or closed account is often unreachable: nothing of ours can be used there any more.
    if (!(err instanceof MemberAccessError || err instanceof AccessRoleMissingError)) throw err;
    for (const r of roles) if (r.veeam !== 'refused') r.changes.push('account unreachable: role left in place');
    return;
  }
  for (const bp of deps.blueprints) {
    const report = roles.find((r) => r.blueprint === bp.key)!;
    if (report.veeam === 'refused' || report.veeam === 'conflict') continue;
    const changes = await iam.remove(bp, opts);
    if (changes.length) {
      report.role = 'removed';
      report.changes.push(...changes.map((c) => c.detail));
    } else {
      report.role = 'absent';
    }
  }
}
