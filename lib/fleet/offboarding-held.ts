import { publishOrWarn } from '../account/lifecycle-event';
import type { Deps } from '../deps';
import { DETAIL_TYPES, type LifecycleEvent } from '../lifecycle/types';

/** The offboarding guard's verdict, as the reconcile report carries it (ReconcileReport.offboardGuard). */
export interface OffboardGuardVerdict {
  held: boolean;
  wouldOffboard: number;
  limit: number;
  accounts: string[];
}

/** Keeps the event far below PutEvents' 256 KB whatever the size of the organization. */
const MAX_LISTED = 1000;

/** The `Offboarding Held` event a reconcile's guard verdict implies: one when it held, none otherwise. */
export function offboardingHeldEvent(guard: OffboardGuardVerdict, installationId: string): LifecycleEvent | undefined {
  if (!guard.held) return undefined;
  return {
    detailType: DETAIL_TYPES.offboardingHeld,
    detail: {
      schemaVersion: 1,
      installationId,
      reason: `${guard.wouldOffboard} accounts would be offboarded, more than the limit of ${guard.limit} (OFFBOARD_MAX_PER_RUN); none was. Confirm with reconcile --allow-offboard ${guard.wouldOffboard} after checking the list.`,
      wouldOffboard: guard.wouldOffboard,
      limit: guard.limit,
      accounts: guard.accounts.slice(0, MAX_LISTED),
    },
  };
}

/** Puts `Offboarding Held` when a real (not dry-run) reconcile was held by the guard; never fails the reconcile. */
export async function announceOffboardingHeld(
  deps: Deps,
  guard: OffboardGuardVerdict | undefined,
  dryRun: boolean,
): Promise<void> {
  if (!guard || dryRun || !deps.lifecycle) return;
  const event = offboardingHeldEvent(guard, deps.config.installationId);
  if (event) await publishOrWarn(deps, event);
}
