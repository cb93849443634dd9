// Kept apart from schemas.ts: the functions need these names at run time, and schemas.ts pulls in the full zod
// build (for JSON Schema generation) that the bundles must not carry.

/** The `source` of every event this service puts; rules match on it. */
export const LIFECYCLE_SOURCE = 'veeam-org-sync';

/** The event's detail-type for each change of an account's protection (and for the offboarding guard). */
export const DETAIL_TYPES = {
  protected: 'Account Protected',
  protectionFailed: 'Account Protection Failed',
  offboarded: 'Account Offboarded',
  rotated: 'External ID Rotated',
  offboardingHeld: 'Offboarding Held',
  notCovered: 'Account Not Covered',
} as const;
