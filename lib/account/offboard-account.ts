import { accountAction } from './account-action';
import { accountEntries } from './account-context';
import type { Deps } from '../deps';
import { MemberAccessError } from '../errors';
import { AccessRoleMissingError } from '../member/access-role';
import type { AccountReport, RoleReport } from './account-report';
import { MANAGEMENT_ACCOUNT_EXCLUDED } from '../organizations/scope';
import { describeOwner, mayOffboard } from '../ownership';
import { findEntry, unregister } from '../registration';
import type { VeeamEntry } from '../veeam/types';

/**
 * An account that left scope (moved out, suspended, closed, removed, excluded), per OFFBOARD_MODE:
 * retain: report only; unregister: remove our Veeam entries when validateDelete allows, keep the roles;
 * delete: unregister, then delete our roles where the entry is gone and the account is still reachable.
 * Entries Veeam refuses to remove (used by a policy) are kept, and so are their roles. Only what carries this
 * installation's id is removed: entries and roles written before installation ids are reported and never removed by
 * anyone, and those of another installation are not this one's business once the account is out of its scope.
 */
export async function offboardAccount(
  deps: Deps,
  accountId: string,
  scopeReason: string,
  opts: { dryRun: boolean; known?: { entries: VeeamEntry[]; listedAt?: Date } },
): Promise<AccountReport> {
  const { offboardMode } = deps.config;
  const veeam = await deps.veeam();
  // A listing from this very run is used as it is; one carried in a queued message (listedAt) is read again, since
  // removing protection must go by what Veeam holds now.
  const fresh = opts.known && !opts.known.listedAt;
  const entries = fresh ? opts.known!.entries : await accountEntries(deps, veeam, accountId);
  const roles: RoleReport[] = [];
  /** Roles whose entry stays in Veeam (refused, or not ours to remove): deleting the role would break it. */
  const keepRole = new Set<string>();
  let acted = false;

  for (const bp of deps.blueprints) {
    const found = findEntry(entries, accountId, bp);
    const ours = found !== undefined && mayOffboard(found.owner);
    const report: RoleReport = {
      blueprint: bp.key,
      roleName: bp.roleName,
      role: 'unknown',
      veeam: ours ? 'ok' : 'absent',
      changes: [],
    };
    roles.push(report);
    if (found && !ours) {
      keepRole.add(bp.key);
      report.changes.push(
        found.owner.kind === 'legacy'
          ? `Veeam entry ${found.entry.name} was ${describeOwner(found.owner)}: never offboarded automatically; remove it by hand if no installation protects this account`
          : `Veeam entry ${found.entry.name} is ${describeOwner(found.owner)}: left untouched`,
      );
    }
    if (offboardMode === 'retain') {
      if (ours) {
        report.changes.push('retained (OFFBOARD_MODE=retain)');
        acted = true;
      }
      continue;
    }
    if (found && ours) {
      acted = true;
      const res = await unregister(veeam, found.entry, { dryRun: opts.dryRun, installationId: bp.installationId });
      if (res.status === 'refused' || res.status === 'not-owned') keepRole.add(bp.key);
      report.veeam = res.status === 'refused' ? 'refused' : res.status === 'not-owned' ? 'conflict' : 'removed';
      report.changes.push(
        res.status === 'refused'
          ? `Veeam refused removal: ${(res.reasons ?? []).join('; ')}`
          : `Veeam entry ${found.entry.name} ${opts.dryRun ? 'would be removed' : res.status}`,
      );
    }
  }

  // Without the opt-in the functions have no IAM permission on the management account's roles (template condition).
  if (scopeReason === MANAGEMENT_ACCOUNT_EXCLUDED) {
    for (const r of roles)
      if (offboardMode === 'delete' && !keepRole.has(r.blueprint) && r.veeam !== 'absent')
        r.changes.push(`role left in place: ${MANAGEMENT_ACCOUNT_EXCLUDED}; delete it by hand if it is not wanted`);
  } else if (offboardMode === 'delete') await deleteRoles(deps, accountId, roles, keepRole, opts);
  acted ||= roles.some((r) => r.role === 'removed');
  const action = !acted ? 'skip' : accountAction(roles) === 'conflict' ? 'conflict' : 'offboard';
  return { accountId, inScope: false, scopeReason, dryRun: opts.dryRun, action, roles };
}

async function deleteRoles(
  deps: Deps,
  accountId: string,
  roles: RoleReport[],
  keepRole: ReadonlySet<string>,
  opts: { dryRun: boolean },
) {
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
    if (keepRole.has(bp.key)) continue;
    const changes = await iam.remove(bp, opts);
    if (changes.length) {
      report.role = 'removed';
      report.changes.push(...changes.map((c) => c.detail));
    } else {
      report.role = 'absent';
    }
  }
}
