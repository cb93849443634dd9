import { z } from 'zod';
import { accountIdSchema } from '../account-id';

/**
 * The part of the EventBridge envelope every rule relies on. Loose: CloudTrail adds fields over time and a new field
 * must never turn a valid event into a rejected one.
 */
export const envelopeSchema = z.looseObject({
  id: z.string().min(1),
  source: z.string(),
  'detail-type': z.string(),
  detail: z.looseObject({
    eventName: z.string().min(1),
    eventID: z.string().min(1).optional(),
    errorCode: z.string().optional(),
  }),
});

/** API calls name the account in their request parameters (MoveAccount, RemoveAccountFromOrganization, CloseAccount). */
export const requestParametersAccount = z
  .looseObject({ requestParameters: z.looseObject({ accountId: accountIdSchema }) })
  .transform((d) => d.requestParameters.accountId);

/** CreateAccountResult: the new account id exists only when the creation succeeded. */
export const createAccountStatusState = z
  .looseObject({ serviceEventDetails: z.looseObject({ createAccountStatus: z.looseObject({ state: z.string() }) }) })
  .transform((d) => d.serviceEventDetails.createAccountStatus.state);
export const createAccountStatusAccount = z
  .looseObject({
    serviceEventDetails: z.looseObject({ createAccountStatus: z.looseObject({ accountId: accountIdSchema }) }),
  })
  .transform((d) => d.serviceEventDetails.createAccountStatus.accountId);

/** CloseAccountResult. */
export const closeAccountStatusAccount = z
  .looseObject({
    serviceEventDetails: z.looseObject({ closeAccountStatus: z.looseObject({ accountId: accountIdSchema }) }),
  })
  .transform((d) => d.serviceEventDetails.closeAccountStatus.accountId);

/**
 * AccountJoinedOrganization / AccountDepartedOrganization: no captured sample exists yet, so the account id is read
 * from serviceEventDetails and, failing that, from requestParameters (the shape other Organizations events use).
 */
const serviceEventDetailsAccount = z
  .looseObject({ serviceEventDetails: z.looseObject({ accountId: accountIdSchema }) })
  .transform((d) => d.serviceEventDetails.accountId);
export const membershipAccount = z.unknown().transform((detail, ctx) => {
  const fromService = serviceEventDetailsAccount.safeParse(detail);
  if (fromService.success) return fromService.data;
  const fromRequest = requestParametersAccount.safeParse(detail);
  if (fromRequest.success) return fromRequest.data;
  // Report the documented location so the DLQ reason points at what a real event should carry.
  for (const issue of fromService.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

/** Control Tower CreateManagedAccount / UpdateManagedAccount share one shape under a per-event key. */
export function managedAccountStatus(key: 'createManagedAccountStatus' | 'updateManagedAccountStatus') {
  // A computed key loses its type in zod's inference; the casts below restate what `inner` just validated.
  const status = (inner: z.ZodType<unknown>) => z.looseObject({ serviceEventDetails: z.looseObject({ [key]: inner }) });
  return {
    state: status(z.looseObject({ state: z.string() })).transform(
      (d) => (d.serviceEventDetails[key] as { state: string }).state,
    ),
    account: status(z.looseObject({ account: z.looseObject({ accountId: accountIdSchema }) })).transform(
      (d) => (d.serviceEventDetails[key] as { account: { accountId: string } }).account.accountId,
    ),
  };
}
