import type { z } from 'zod';
import type { accountEventDetail, offboardingHeldDetail } from './schemas';

/** The `source` of every event this service puts; rules match on it. */
export const LIFECYCLE_SOURCE = 'veeam-org-sync';

/** The event's detail-type for each change of an account's protection (and for the offboarding guard). */
export const DETAIL_TYPES = {
  protected: 'Account Protected',
  protectionFailed: 'Account Protection Failed',
  offboarded: 'Account Offboarded',
  rotated: 'External ID Rotated',
  offboardingHeld: 'Offboarding Held',
} as const;

export type AccountDetailType = Exclude<(typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES], 'Offboarding Held'>;
export type AccountEventDetail = z.infer<typeof accountEventDetail>;
export type OffboardingHeldDetail = z.infer<typeof offboardingHeldDetail>;

export type LifecycleEvent =
  | { detailType: AccountDetailType; detail: AccountEventDetail }
  | { detailType: typeof DETAIL_TYPES.offboardingHeld; detail: OffboardingHeldDetail };

/**
 * Tells other automation (account factories, chat, ticketing) that an account's protection changed. One production
 * adapter (EventBridge) and the sim's fake of PutEvents. Delivery is best effort: a failure is the caller's to log.
 */
export interface LifecycleEvents {
  publish(events: LifecycleEvent[]): Promise<void>;
}
