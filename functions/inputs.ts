import { z } from 'zod';
import { InvalidInputError } from '../lib/errors';
import { describeIssues } from '../lib/zod-issues';
import { accountIdSchema } from '../lib/account-id';

/** A scheduled rule without a configured input delivers the raw "Scheduled Event": treat it as a plain run. */
function isScheduledEvent(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event'
  );
}

const accountIds = z.array(accountIdSchema).min(1, 'must list at least one account, or be left out for all').optional();

// Strict on purpose: a typo such as "dryrun" must fail loudly instead of silently running for real.
const reconcileInput = z.strictObject({
  dryRun: z.boolean().optional(),
  accountIds,
  deep: z.boolean().optional(),
});
export type ReconcileInput = { dryRun: boolean; accountIds?: string[]; deep?: boolean };

export function parseReconcileInput(event: unknown): ReconcileInput {
  if (event === undefined || event === null || isScheduledEvent(event)) return { dryRun: false };
  const parsed = reconcileInput.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `reconcile input is invalid (${describeIssues(parsed.error)}); expected {"dryRun": true|false, "accountIds": ["123456789012", ...], "deep": true|false}`,
    );
  }
  const { dryRun = false, accountIds, deep } = parsed.data;
  // A real run already converges every account, IAM included, through the worker.
  if (deep && !dryRun)
    throw new InvalidInputError(
      'reconcile input is invalid: "deep" only applies to a dry run ({"dryRun": true, "deep": true})',
    );
  return { dryRun, ...(accountIds ? { accountIds } : {}), ...(deep ? { deep } : {}) };
}

const rotateInput = z.strictObject({
  accountIds,
  force: z.boolean().optional(),
});
export type RotateInput = { accountIds?: string[]; force?: boolean };

export function parseRotateInput(event: unknown): RotateInput {
  if (event === undefined || event === null || isScheduledEvent(event)) return {};
  const parsed = rotateInput.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `rotate input is invalid (${describeIssues(parsed.error)}); expected {"accountIds": ["123456789012", ...], "force": true|false}`,
    );
  }
  return parsed.data;
}
