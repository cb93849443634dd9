import type { AccountReport } from '../account/account-report';
import { emitLifecycleEvent } from '../account/lifecycle-event';
import {
  flushOrganizationRescan,
  markForRescan,
  readRescanState,
  rescanCovers,
  type FlushResult,
} from '../account/organization-rescan';
import type { Deps } from '../deps';

const WAITING = /^(waiting for the organization rescan|the appliance finds it with the next organization rescan)$/;

/**
 * The end of an in-process reconcile in organizations mode: ONE organization rescan for every account whose roles
 * this run wrote (and any mark an earlier run left), then the reports and lifecycle events as the rescan left them.
 * First run with a durable store: no rescan was ever accepted, so the accounts whose roles are already in place are
 * marked too (the appliance may never have looked). A dry run starts nothing.
 */
export async function finishOrganizationRescan(
  deps: Deps,
  reports: AccountReport[],
  opts: { dryRun: boolean; trigger?: string },
): Promise<{ reports: AccountReport[]; rescan?: FlushResult }> {
  if (deps.config.veeamMode !== 'organization') return { reports };
  let rescan: FlushResult | undefined;
  if (!opts.dryRun) {
    const before = await readRescanState(deps);
    if (deps.state && !before.lastAcceptedAt) {
      const placed = reports.filter((r) => r.inScope && r.action !== 'error' && r.action !== 'conflict');
      await markForRescan(
        deps,
        placed.map((r) => r.accountId).filter((id) => !(id in before.pending)),
        { writing: false },
      );
    }
    rescan = await flushOrganizationRescan(deps);
  }
  const state = await readRescanState(deps);
  const updated = reports.map((r) => {
    if (!r.inScope || !rescanCovers(state, r.accountId)) return r;
    const roles = r.roles.map((role) =>
      role.veeam === 'not-registered'
        ? {
            ...role,
            veeam: 'ok' as const,
            changes: [...role.changes.filter((c) => !WAITING.test(c)), 'organization rescan accepted'],
          }
        : role,
    );
    return { ...r, roles };
  });
  if (!opts.dryRun)
    for (const r of updated) await emitLifecycleEvent(deps, r, opts.trigger ? { trigger: opts.trigger } : {});
  return { reports: updated, ...(rescan ? { rescan } : {}) };
}

/** A fan-out reconcile in organizations mode: the workers rescan; this sweeps what a crashed one left marked. */
export async function sweepOrganizationRescan(deps: Deps, dryRun: boolean): Promise<FlushResult | undefined> {
  if (deps.config.veeamMode !== 'organization' || dryRun) return undefined;
  return flushOrganizationRescan(deps);
}
