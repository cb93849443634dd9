import type { z } from 'zod';
import type { DETAIL_TYPES } from './detail-types';
import type { accountEventDetail, accountNotCoveredDetail, offboardingHeldDetail } from './schemas';

export { DETAIL_TYPES, LIFECYCLE_SOURCE } from './detail-types';

export type AccountDetailType = Exclude<
  (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES],
  'Offboarding Held' | 'Account Not Covered'
>;
export type AccountEventDetail = z.infer<typeof accountEventDetail>;
export type OffboardingHeldDetail = z.infer<typeof offboardingHeldDetail>;
export type AccountNotCoveredDetail = z.infer<typeof accountNotCoveredDetail>;

export type LifecycleEvent =
  | { detailType: AccountDetailType; detail: AccountEventDetail }
  | { detailType: typeof DETAIL_TYPES.offboardingHeld; detail: OffboardingHeldDetail }
  | { detailType: typeof DETAIL_TYPES.notCovered; detail: AccountNotCoveredDetail };

/**
 * Tells other automation (account factories, chat, ticketing) that an account's protection changed. One production
 * adapter (EventBridge) and the sim's fake of PutEvents. Delivery is best effort: a failure is the caller's to log.
 */
export interface LifecycleEvents {
  publish(events: LifecycleEvent[]): Promise<void>;
}
