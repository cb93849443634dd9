import { accountAction } from './account-action';
import { accountEntries } from './account-context';
import type { Deps } from '../deps';
import { AccessRoleMissingError, MemberAccessError } from '../member/errors';
import type { AccountReport, RoleReport } from './account-report';
import { MANAGEMENT_ACCOUNT_EXCLUDED } from '../organizations/scope';
import { describeOwner, mayOffboard } from '../ownership';
import type { RoleBlueprint, RoleIam } from '../roles/types';
import { permitOffboarding } from './offboard-permit';
import { announceOffboardingHeld } from './offboarding-held';
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
  const toUnregister: Array<{
    report: RoleReport;
    entry: VeeamEntry;
    installationId: RoleBlueprint['installationId'];
  }> = [];

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
    if (found && ours) {
      if (offboardMode === 'retain') report.changes.push('retained (OFFBOARD_MODE=retain)');
      else toUnregister.push({ report, entry: found.entry, installationId: bp.installationId });
    }
  }
  const report = (action: AccountReport['action'], extra: Partial<AccountReport> = {}): AccountReport => ({
    accountId,
    inScope: false,
    scopeReason,
    dryRun: opts.dryRun,
    action,
    roles,
    ...extra,
  });
  if (offboardMode === 'retain') return report(roles.some((r) => r.veeam === 'ok') ? 'offboard' : 'skip');

  // Without the opt-in the functions have no IAM permission on the management account's roles (template condition).
  const management = scopeReason === MANAGEMENT_ACCOUNT_EXCLUDED;
  const iam = offboardMode === 'delete' && !management ? await openForRemoval(deps, accountId, roles) : undefined;
  // Only when no entry is to be removed are the roles read first: a unit of the budget is drawn for real removals only.
  const owned = iam && !toUnregister.length ? await ownedRoles(deps, iam, keepRole) : [];
  if (!toUnregister.length && !owned.length) return report('skip');

  const permit = await permitOffboarding(deps, accountId, opts.dryRun);
  if (!permit.allowed) {
    await announceOffboardingHeld(
      deps,
      {
        held: true,
        wouldOffboard: 1,
        limit: deps.config.offboardMaxPerRun,
        accounts: [accountId],
        reason: permit.reason,
      },
      opts.dryRun,
    );
    for (const r of roles) r.changes.push('held: nothing removed');
    return report('held', { held: permit.reason });
  }

  for (const u of toUnregister) {
    const res = await unregister(veeam, u.entry, { dryRun: opts.dryRun, installationId: u.installationId });
    if (res.status === 'refused' || res.status === 'not-owned') keepRole.add(u.report.blueprint);
    u.report.veeam = res.status === 'refused' ? 'refused' : res.status === 'not-owned' ? 'conflict' : 'removed';
    u.report.changes.push(
      res.status === 'refused'
        ? `Veeam refused removal: ${(res.reasons ?? []).join('; ')}`
        : `Veeam entry ${u.entry.name} ${opts.dryRun ? 'would be removed' : res.status}`,
    );
  }
  if (management && offboardMode === 'delete') {
    for (const r of roles)
      if (!keepRole.has(r.blueprint) && r.veeam !== 'absent')
        r.changes.push(`role left in place: ${MANAGEMENT_ACCOUNT_EXCLUDED}; delete it by hand if it is not wanted`);
  } else if (iam) await deleteRoles(deps, iam, roles, keepRole, opts);
  if (accountAction(roles) === 'conflict') return report('conflict');
  // A removal (or a refusal) is an offboarding; finding everything already gone (another run got there) is not.
  const acted = roles.some((r) => r.role === 'removed' || r.veeam === 'removed' || r.veeam === 'refused');
  return report(acted ? 'offboard' : 'skip');
}

/**
 * The member account's IAM, or undefined when the account cannot be entered for the documented reasons an
 * offboarded account gives: the dedicated access role is gone (the StackSet removes it from accounts that leave its
 * OUs) or every configured role denies (a closed, suspended or removed account). Anything else (throttling, a
 * timeout, a bug) is an error, retried when transient.
 */
async function openForRemoval(deps: Deps, accountId: string, roles: RoleReport[]): Promise<RoleIam | undefined> {
  try {
    return await deps.member.roles(accountId);
  } catch (err) {
    if (!(err instanceof MemberAccessError || err instanceof AccessRoleMissingError)) throw err;
    // Asked before any entry is removed, so no entry has been refused yet: every role stays.
    for (const r of roles) r.changes.push('account unreachable: role left in place');
    return undefined;
  }
}

async function ownedRoles(deps: Deps, iam: RoleIam, keepRole: ReadonlySet<string>): Promise<string[]> {
  const candidates = deps.blueprints.filter((bp) => !keepRole.has(bp.key));
  const snaps = await Promise.all(candidates.map((bp) => iam.read(bp)));
  return candidates.filter((_, i) => snaps[i]!.exists && snaps[i]!.owner.kind === 'ours').map((bp) => bp.key);
}

async function deleteRoles(
  deps: Deps,
  iam: RoleIam,
  roles: RoleReport[],
  keepRole: ReadonlySet<string>,
  opts: { dryRun: boolean },
) {
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
