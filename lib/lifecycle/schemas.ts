import { z } from 'zod';
import { DETAIL_TYPES, LIFECYCLE_SOURCE } from './detail-types';

export { DETAIL_TYPES, LIFECYCLE_SOURCE } from './detail-types';

/**
 * The contract of the lifecycle events' `detail`, published as JSON Schema in docs/events/ (generated from these by
 * `npx tsx scripts/event-schemas.ts`; test/lifecycle/ fails when the files are stale and validates real events
 * against them). Additive changes only; a breaking change raises schemaVersion. Full zod, for its JSON Schema
 * output: only scripts and tests load this module, never a function bundle.
 */

const accountId = z.string().regex(/^\d{12}$/);

const role = z
  .object({
    blueprint: z.string().describe('Role blueprint key, e.g. backup or worker.'),
    roleName: z.string().describe('IAM role name in the member account.'),
    veeamEntryName: z
      .string()
      .optional()
      .describe('Name of the Veeam "IAM role from another account" entry (absent for roles Veeam does not use).'),
    role: z
      .string()
      .describe('What happened to the IAM role: created, repaired, ok, conflict, removed, absent, unknown.'),
    veeam: z
      .string()
      .describe('What happened to the Veeam entry: created, updated, ok, conflict, removed, refused, absent, ...'),
  })
  .strict();

export const accountEventDetail = z
  .object({
    schemaVersion: z.literal(1),
    accountId,
    installationId: z.string().describe('The installation that emitted the event (stack parameter installationId).'),
    action: z
      .string()
      .describe('The one-word outcome: create, repair, register, update, rotate, offboard, conflict, error.'),
    inScope: z.boolean(),
    scopeReason: z.string().describe('Why the account is (not) in scope.'),
    reason: z.string().describe('What changed or what failed, for people. Never an external ID or a secret.'),
    trigger: z.string().optional().describe('What started the run: an event name, reconcile, rotation, manual.'),
    roles: z.array(role),
    error: z
      .object({ code: z.string(), message: z.string(), retryable: z.boolean() })
      .strict()
      .optional()
      .describe('Account Protection Failed only.'),
  })
  .strict();

export const offboardingHeldDetail = z
  .object({
    schemaVersion: z.literal(1),
    installationId: z.string(),
    reason: z.string().describe('Why nothing was removed, and the command that confirms the offboarding on purpose.'),
    wouldOffboard: z.number().int().nonnegative().describe('Accounts the held run would have offboarded.'),
    limit: z.number().int().nonnegative().describe('The offboarding budget: accounts per rolling 24 hours.'),
    accounts: z.array(accountId).describe('The accounts that would have been offboarded (at most 1000 listed).'),
  })
  .strict();

export const accountNotCoveredDetail = z
  .object({
    schemaVersion: z.literal(1),
    accountId,
    installationId: z.string(),
    veeamMode: z.string().describe('accounts or organization (stack parameter veeamMode).'),
    reason: z
      .string()
      .describe(
        'Why no enabled backup policy covers the account: only disabled policies, excluded, outside every organization scope, or no policy names its role.',
      ),
    policies: z
      .array(z.object({ name: z.string(), workload: z.string(), enabled: z.boolean() }).strict())
      .describe('Policies whose source includes the account (all disabled, when any).'),
  })
  .strict();

const DESCRIPTIONS: Record<(typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES], string> = {
  'Account Protected':
    'An account in scope became protected: its roles were created or repaired, or its Veeam entries registered or updated.',
  'Account Protection Failed':
    'A run for the account ended failed for good (a conflict, a non-retryable error, or the last retry), or protection is blocked by a role or entry this installation does not own. Put once per change: the same failure on later runs is not announced again; another failure, or a failure after the account was protected again, is.',
  'Account Offboarded':
    'An account that left scope had its Veeam entries (and, with OFFBOARD_MODE=delete, its roles) removed.',
  'External ID Rotated':
    "The external IDs of the account's roles were rotated and the appliance proved it can use the new ones.",
  'Offboarding Held':
    'Offboardings were held: a reconcile, an account event or a single-account run would exceed the offboarding budget (OFFBOARD_MAX_PER_RUN per rolling 24 hours, shared by every path), or no budget is configured for a single-account run. Nothing was removed; a person must confirm (reconcile --allow-offboard N).',
  'Account Not Covered':
    'The scheduled reconcile found that no enabled backup policy covers an account in scope (registered or found by the organization rescan, but nothing backs it up). Put once when the account becomes uncovered, not on every run.',
};

/**
 * Each detail-type's whole event as EventBridge delivers it to a rule's target (the envelope's other fields, such as
 * id, time, account and region, are EventBridge's own and left open).
 */
export function lifecycleEventSchemas() {
  return Object.values(DETAIL_TYPES).map((detailType) => ({
    detailType,
    schema: z
      .looseObject({
        source: z.literal(LIFECYCLE_SOURCE),
        'detail-type': z.literal(detailType),
        detail:
          detailType === DETAIL_TYPES.offboardingHeld
            ? offboardingHeldDetail
            : detailType === DETAIL_TYPES.notCovered
              ? accountNotCoveredDetail
              : accountEventDetail,
      })
      .describe(DESCRIPTIONS[detailType]),
  }));
}

/** docs/events/<this>.schema.json */
export function schemaFileName(detailType: string): string {
  return `${detailType.toLowerCase().replace(/\s+/g, '-')}.schema.json`;
}
