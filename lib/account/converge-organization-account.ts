import { accountAction } from './account-action';
import type { AccountReport, RoleReport } from './account-report';
import type { Deps } from '../deps';
import { logger } from '../log';
import type { ScopeDecision } from '../organizations/scope';
import { findEntry, unregister } from '../registration';
import { roleConflictReason } from '../roles/conflicts';
import type { DesiredTrust, RoleBlueprint, RoleSnapshot } from '../roles/types';
import type { VeeamEntry } from '../veeam/types';
import { flushOrganizationRescan, markForRescan, readRescanState, rescanCovers } from './organization-rescan';
import { lifecycleEventOf } from './lifecycle-event';
import { DETAIL_TYPES } from '../lifecycle/types';

export interface OrganizationConvergeOptions {
  dryRun: boolean;
  /**
   * 'now' (events, the worker, `sync`): start the organization rescan after this account's roles changed;
   * 'deferred' (an in-process reconcile): leave the mark, the caller starts one rescan for the whole run.
   */
  rescan: 'now' | 'deferred';
  /** A reconcile plan's listing of this account's entries: per-account entries left from accounts mode. */
  entries?: VeeamEntry[];
  /** What started the run, for the `Account Protected` event the covering rescan puts. */
  trigger?: string;
}

/** The appliance's role, with no external ID: the organization settings have no field for one. */
function organizationTrust(deps: Deps): DesiredTrust {
  return { principalArn: deps.config.veeamPrincipalArn, externalIds: [], stateTags: {}, withoutExternalId: true };
}

/**
 * Organizations mode for one account in scope: the same-named roles, trusted by the appliance's role, created or
 * repaired by the same diff as in accounts mode (access role, boundary, ownership); no per-account entry. The account
 * is marked for the organization rescan before its roles are written and again after (see organization-rescan.ts),
 * and is protected once a rescan started after the write was accepted. Entries this installation registered in
 * accounts mode are removed only then, and only those it owns (migration; Veeam refuses one a policy still uses).
 */
export async function convergeOrganizationAccount(
  deps: Deps,
  accountId: string,
  scope: ScopeDecision,
  opts: OrganizationConvergeOptions,
): Promise<AccountReport> {
  const roles = await deps.member.roles(accountId);
  const trust = organizationTrust(deps);
  const snapshots = await Promise.all(deps.blueprints.map((bp) => roles.read(bp)));
  const reports: RoleReport[] = [];
  const writable: Array<[RoleBlueprint, RoleSnapshot]> = [];
  for (const [i, bp] of deps.blueprints.entries()) {
    const snap = snapshots[i]!;
    if (snap.exists && !snap.owned) {
      reports.push({
        blueprint: bp.key,
        roleName: bp.roleName,
        role: 'conflict',
        veeam: 'unknown',
        changes: [roleConflictReason(bp, accountId, snap.owner)],
      });
      continue;
    }
    // A dry-run ensure plans from the snapshot alone (no IAM call): it says whether a write is coming.
    const planned = await roles.ensure(bp, trust, snap, { dryRun: true });
    if (planned.status === 'conflict') {
      reports.push({
        blueprint: bp.key,
        roleName: bp.roleName,
        role: 'conflict',
        veeam: 'unknown',
        changes: planned.reason ? [planned.reason] : [],
      });
      continue;
    }
    if (opts.dryRun || planned.status === 'ok')
      reports.push({
        blueprint: bp.key,
        roleName: bp.roleName,
        role: planned.status,
        veeam: 'ok',
        changes: planned.changes.map((c) => c.detail),
      });
    else writable.push([bp, snap]);
  }

  if (writable.length) {
    await markForRescan(deps, [accountId], { writing: true });
    for (const [bp, snap] of writable) {
      const done = await roles.ensure(bp, trust, snap, { dryRun: false });
      reports.push({
        blueprint: bp.key,
        roleName: bp.roleName,
        role: done.status,
        veeam: 'ok',
        changes: [...done.changes.map((c) => c.detail), ...(done.reason ? [done.reason] : [])],
      });
    }
    const order = new Map(deps.blueprints.map((bp, i) => [bp.key, i]));
    reports.sort((a, b) => order.get(a.blueprint)! - order.get(b.blueprint)!);
    const done = { accountId, dryRun: false, inScope: true, scopeReason: scope.reason, roles: reports };
    const event = lifecycleEventOf(
      { ...done, action: accountAction(reports) },
      {
        installationId: deps.config.installationId,
        blueprints: deps.blueprints,
        ...(opts.trigger ? { trigger: opts.trigger } : {}),
      },
    );
    await markForRescan(deps, [accountId], {
      writing: false,
      ...(event?.detailType === DETAIL_TYPES.protected ? { announce: event.detail } : {}),
    });
  }
  const order = new Map(deps.blueprints.map((bp, i) => [bp.key, i]));
  reports.sort((a, b) => order.get(a.blueprint)! - order.get(b.blueprint)!);

  if (!opts.dryRun && opts.rescan === 'now') await flushOrganizationRescan(deps, { waitWhileBusy: true });
  const state = await readRescanState(deps);
  const covered = rescanCovers(state, accountId);
  for (const r of reports)
    if (r.role !== 'conflict' && !covered) {
      r.veeam = 'not-registered';
      r.changes.push(
        opts.dryRun && !(accountId in state.pending)
          ? 'the appliance finds it with the next organization rescan'
          : 'waiting for the organization rescan',
      );
    }

  if (covered && opts.entries?.length) await removeAccountsModeEntries(deps, accountId, opts.entries, reports, opts);
  const report: AccountReport = {
    accountId,
    dryRun: opts.dryRun,
    inScope: true,
    scopeReason: scope.reason,
    action: accountAction(reports),
    roles: reports,
  };
  logger.info('account converged (organization mode)', {
    accountId,
    action: report.action,
    dryRun: opts.dryRun,
    covered,
    changes: reports.flatMap((r) => r.changes),
  });
  return report;
}

/** Migration from accounts mode: the entries this installation registered for the account, once the rescan covers it. */
async function removeAccountsModeEntries(
  deps: Deps,
  accountId: string,
  entries: VeeamEntry[],
  reports: RoleReport[],
  opts: { dryRun: boolean },
): Promise<void> {
  const veeam = await deps.veeam();
  for (const r of reports) {
    const bp = deps.blueprints.find((b) => b.key === r.blueprint)!;
    const found = findEntry(entries, accountId, bp);
    if (!found?.owned) continue;
    const res = await unregister(veeam, found.entry, {
      dryRun: opts.dryRun,
      installationId: deps.config.installationId,
    });
    if (res.status === 'removed' || res.status === 'already-gone')
      r.changes.push(`accounts-mode entry ${found.entry.name} removed: the organization rescan covers the account`);
    else
      r.changes.push(
        `accounts-mode entry ${found.entry.name} kept (${res.status}): ${(res.reasons ?? []).join('; ') || 'see Veeam'}`,
      );
  }
}
