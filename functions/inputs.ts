import * as z from 'zod/mini';
import { InvalidInputError } from '../lib/errors';
import { describeIssues } from '../lib/zod-issues';
import { accountIdSchema } from '../lib/account-id';

/**
 * The event a scheduled rule without a configured input delivers, recognised by its whole documented envelope and
 * nothing more: strict, so a manual payload that merely borrows `detail-type` (`{"dryRun": true, "detail-type":
 * "Scheduled Event"}`) is not a schedule and can never turn a dry run into a real one.
 */
const scheduledEvent = z.strictObject({
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  account: accountIdSchema,
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.strictObject({}),
});

function isScheduledEvent(event: unknown): boolean {
  return scheduledEvent.safeParse(event).success;
}

/** Said when a payload carries envelope keys but is not a whole scheduled event. */
function envelopeHint(event: unknown): string {
  return typeof event === 'object' && event !== null && 'detail-type' in event
    ? ' (it has "detail-type" but is not a whole EventBridge "Scheduled Event", so it is read as a manual input)'
    : '';
}

const accountIds = z.optional(
  z.array(accountIdSchema).check(z.minLength(1, 'must list at least one account, or be left out for all')),
);

// Strict on purpose: a typo such as "dryrun" must fail loudly instead of silently running for real.
const reconcileInput = z.strictObject({
  dryRun: z.optional(z.boolean()),
  accountIds,
  deep: z.optional(z.boolean()),
  // A person's one-time confirmation (CLI `reconcile --stack NAME --allow-offboard N`) when the guard held.
  allowOffboard: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100_000))),
});
export type ReconcileInput = { dryRun: boolean; accountIds?: string[]; deep?: boolean; allowOffboard?: number };

export function parseReconcileInput(event: unknown): ReconcileInput {
  if (event === undefined || event === null || isScheduledEvent(event)) return { dryRun: false };
  const parsed = reconcileInput.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `reconcile input is invalid${envelopeHint(event)} (${describeIssues(parsed.error)}); expected {"dryRun": true|false, "accountIds": ["123456789012", ...], "deep": true|false, "allowOffboard": N}`,
    );
  }
  const { dryRun = false, accountIds, deep, allowOffboard } = parsed.data;
  // A real run already converges every account, IAM included, through the worker.
  if (deep && !dryRun)
    throw new InvalidInputError(
      'reconcile input is invalid: "deep" only applies to a dry run ({"dryRun": true, "deep": true})',
    );
  return {
    dryRun,
    ...(accountIds ? { accountIds } : {}),
    ...(deep ? { deep } : {}),
    ...(allowOffboard !== undefined ? { allowOffboard } : {}),
  };
}

const rotateInput = z.strictObject({
  accountIds,
  force: z.optional(z.boolean()),
});
export type RotateInput = { accountIds?: string[]; force?: boolean };

export function parseRotateInput(event: unknown): RotateInput {
  if (event === undefined || event === null || isScheduledEvent(event)) return {};
  const parsed = rotateInput.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `rotate input is invalid${envelopeHint(event)} (${describeIssues(parsed.error)}); expected {"accountIds": ["123456789012", ...], "force": true|false}`,
    );
  }
  return parsed.data;
}
