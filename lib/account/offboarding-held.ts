import type { Deps } from '../deps';
import { DETAIL_TYPES, type LifecycleEvent } from '../lifecycle/types';
import { logger } from '../log';
import { recordOffboardingHeld } from '../metrics';
import { publishOrWarn } from './lifecycle-event';

/** What was held: the accounts that would have been offboarded, the budget's limit, and why with the way on. */
export interface OffboardingHeld {
  held: boolean;
  wouldOffboard: number;
  limit: number;
  accounts: string[];
  /** For people: why nothing was removed and how to confirm on purpose. */
  reason?: string;
}

/** Keeps the event far below PutEvents' 256 KB whatever the size of the organization. */
const MAX_LISTED = 1000;

/** The CLI command that confirms these offboardings: by name for named accounts, else for the whole organization. */
export const confirmCommand = (count: number, named?: string[]): string =>
  `veeam-org-sync reconcile ${named?.length ? named.map((id) => `--account ${id} `).join('') : ''}--allow-offboard ${count}`;

/** The words for a hold that carries no reason of its own (a report from an older deployment). */
export const heldReasonOf = (held: OffboardingHeld): string =>
  held.reason ??
  `${held.wouldOffboard} accounts would be offboarded, more than the offboarding budget allows (${held.limit} per 24 hours, OFFBOARD_MAX_PER_RUN); none was. Confirm with ${confirmCommand(held.wouldOffboard)} after checking the list.`;

/** The `Offboarding Held` event a verdict implies: one when it held, none otherwise. */
export function offboardingHeldEvent(held: OffboardingHeld, installationId: string): LifecycleEvent | undefined {
  if (!held.held) return undefined;
  return {
    detailType: DETAIL_TYPES.offboardingHeld,
    detail: {
      schemaVersion: 1,
      installationId,
      reason: heldReasonOf(held),
      wouldOffboard: held.wouldOffboard,
      limit: held.limit,
      accounts: held.accounts.slice(0, MAX_LISTED),
    },
  };
}

/**
 * Makes a hold visible without failing the run: an ERROR line, the OffboardingHeld metric (alarmed) and the
 * `Offboarding Held` event for other automation. A dry run removes nothing and holds nothing: it says so in its
 * report only.
 */
export async function announceOffboardingHeld(
  deps: Deps,
  held: OffboardingHeld | undefined,
  dryRun: boolean,
): Promise<void> {
  if (!held?.held || dryRun) return;
  logger.error('offboarding held', {
    wouldOffboard: held.wouldOffboard,
    limit: held.limit,
    accounts: held.accounts.slice(0, MAX_LISTED),
    offboardMode: deps.config.offboardMode,
    fix: held.reason,
  });
  recordOffboardingHeld(held.wouldOffboard);
  if (!deps.lifecycle) return;
  const event = offboardingHeldEvent(held, deps.config.installationId);
  if (event) await publishOrWarn(deps, event);
}
