import * as z from 'zod/mini';
import { InvalidInputError } from '../errors';
import { describeIssues } from '../zod-issues';
import { accountIdSchema } from '../account-id';
import type { AccountRequest } from './types';

const accountRequestSchema = z.strictObject({
  accountId: accountIdSchema,
  action: z.enum(['sync', 'rotate']),
  reason: z.string().check(z.minLength(1, 'must say why (an event name, reconcile, rotation-due, manual)')),
  eventId: z.optional(z.string().check(z.minLength(1))),
  force: z.optional(z.boolean()),
  plan: z.optional(
    z.strictObject({
      plannedAt: z.iso.datetime(),
      inScope: z.boolean(),
      scopeReason: z.string(),
      entries: z.array(
        z.strictObject({
          id: z.string(),
          name: z.string(),
          description: z.nullable(z.string()),
          accountId: z.string(),
          roleName: z.string(),
        }),
      ),
    }),
  ),
});

/** Reads one account-queue message body; an InvalidInputError names every wrong field, so it goes to the DLQ as is. */
export function parseAccountRequest(body: string): AccountRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidInputError(`account queue message is not JSON: ${body.slice(0, 200)}`);
  }
  const parsed = accountRequestSchema.safeParse(json);
  if (!parsed.success)
    throw new InvalidInputError(`account queue message is not an AccountRequest: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
