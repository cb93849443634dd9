import { takeOffboarding } from '../budget';
import type { Deps } from '../deps';
import { confirmCommand } from './offboarding-held';

export type OffboardPermit = { allowed: true } | { allowed: false; reason: string };

/**
 * Asked right before anything is removed, on every path (worker, reconcile, sync, event): one unit of the shared
 * offboarding budget for this account, or a hold with the reason and the way to confirm on purpose. A dry run
 * decides without writing. Without a state table (the CLI in-process against an organization without the stack)
 * there is no budget to share, so a single account is never offboarded on its own.
 */
export async function permitOffboarding(deps: Deps, accountId: string, dryRun: boolean): Promise<OffboardPermit> {
  const confirm = confirmCommand(1, [accountId]);
  if (!deps.state)
    return {
      allowed: false,
      reason:
        'offboarding held: no offboarding budget is configured here (no state table, STATE_TABLE_NAME unset), so a ' +
        `single-account run removes nothing on its own; nothing was removed. To offboard it on purpose run \`${confirm}\`, ` +
        'or run against the deployed stack (--stack NAME)',
    };
  const limit = deps.config.offboardMaxPerRun;
  const v = await takeOffboarding(deps.state, { accountId, now: deps.now(), limit, dryRun });
  if (v.allowed) return { allowed: true };
  return {
    allowed: false,
    reason:
      `offboarding held: the offboarding budget is spent (${v.used} of ${v.limit} accounts in the last 24 hours, ` +
      'OFFBOARD_MAX_PER_RUN, stack parameter offboardMaxPerRun); nothing was removed. If SCOPE_OU_IDS or ' +
      `EXCLUDED_ACCOUNT_IDS changed by mistake, fix it; if intended, confirm with \`${confirm}\` (add --stack NAME ` +
      `for the deployed stack)${v.resetsAt ? `, or wait until ${v.resetsAt} when a unit frees` : ''}`,
  };
}
