import type { z } from 'zod';
import type { DETAIL_TYPES } from './detail-types';
import type { accountEventDetail, offboardingHeldDetail } from './schemas';

export { DETAIL_TYPES, LIFECYCLE_SOURCE } from './detail-types';

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
