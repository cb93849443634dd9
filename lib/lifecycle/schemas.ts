import { z } from 'zod';

/**
 * The contract of the lifecycle events' `detail`, published as JSON Schema in docs/events/ (generated from these by
 * `npm run docs:events`; test/lifecycle/ fails when the files are stale and validates real events against them).
 * Additive changes only; a breaking change raises schemaVersion.
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
    reason: z.string(),
    wouldOffboard: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative(),
    accounts: z.array(accountId).describe('The accounts that would have been offboarded (at most 1000 listed).'),
  })
  .strict();
