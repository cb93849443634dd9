import * as z from 'zod/mini';
import { accountIdSchema } from '../account-id';

/** What every account extractor is: unknown `detail` in, an account id (or a state) out. */
export type DetailReader = z.ZodMiniType<string, unknown>;

/** Reads one value out of `detail` after `shape` has validated it (zod/mini spells a transform as a pipe). */
function read<S extends z.ZodMiniType>(shape: S, pick: (d: z.output<S>) => string): DetailReader {
  return z.pipe(shape, z.transform(pick));
}

/**
 * The part of the EventBridge envelope every rule relies on. Loose: CloudTrail adds fields over time and a new field
 * must never turn a valid event into a rejected one. `errorCode` may be anything: its presence alone marks a failed
 * call (CloudTrail sets it on every failed call; an empty or null code is still a failure, never a success).
 */
export const envelopeSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  source: z.string(),
  'detail-type': z.string(),
  detail: z.looseObject({
    eventName: z.string().check(z.minLength(1)),
    eventID: z.optional(z.string().check(z.minLength(1))),
    errorCode: z.optional(z.unknown()),
  }),
});

/** API calls name the account in their request parameters (MoveAccount, RemoveAccountFromOrganization, CloseAccount). */
export const requestParametersAccount = read(
  z.looseObject({ requestParameters: z.looseObject({ accountId: accountIdSchema }) }),
  (d) => d.requestParameters.accountId,
);

/** CreateAccountResult: the new account id exists only when the creation succeeded. */
export const createAccountStatusState = read(
  z.looseObject({ serviceEventDetails: z.looseObject({ createAccountStatus: z.looseObject({ state: z.string() }) }) }),
  (d) => d.serviceEventDetails.createAccountStatus.state,
);
export const createAccountStatusAccount = read(
  z.looseObject({
    serviceEventDetails: z.looseObject({ createAccountStatus: z.looseObject({ accountId: accountIdSchema }) }),
  }),
  (d) => d.serviceEventDetails.createAccountStatus.accountId,
);

/** CloseAccountResult. */
export const closeAccountStatusAccount = read(
  z.looseObject({
    serviceEventDetails: z.looseObject({ closeAccountStatus: z.looseObject({ accountId: accountIdSchema }) }),
  }),
  (d) => d.serviceEventDetails.closeAccountStatus.accountId,
);

/**
 * The membership events' own fields, named as the Organizations API reference names them: how and when an account
 * joined (`joinedMethod` CREATED | INVITED, `joinedTime`) or left (`departureMethod` LEFT | REMOVED,
 * `departureTime`). Optional (no captured sample yet), but when present they must be the documented values.
 */
export const MEMBERSHIP_FIELDS = {
  joined: { method: 'joinedMethod', time: 'joinedTime', values: ['CREATED', 'INVITED'] },
  departed: { method: 'departureMethod', time: 'departureTime', values: ['LEFT', 'REMOVED'] },
} as const;

/**
 * AccountJoinedOrganization / AccountDepartedOrganization: the account id is read from serviceEventDetails and,
 * failing that, from requestParameters (the shape other Organizations events use).
 */
export function membershipAccount(kind: keyof typeof MEMBERSHIP_FIELDS): DetailReader {
  const { method, time, values } = MEMBERSHIP_FIELDS[kind];
  const details = z.looseObject({
    accountId: accountIdSchema,
    [method]: z.optional(z.enum(values)),
    [time]: z.optional(z.string()),
  });
  const fromServiceDetails = read(z.looseObject({ serviceEventDetails: details }), (d) => {
    // A computed key loses its type in zod's inference; `details` has just validated accountId.
    return (d.serviceEventDetails as { accountId: string }).accountId;
  });
  return z.pipe(
    z.unknown(),
    z.transform((detail: unknown, ctx) => {
      const fromService = fromServiceDetails.safeParse(detail);
      if (fromService.success) return fromService.data;
      const fromRequest = requestParametersAccount.safeParse(detail);
      if (fromRequest.success) return fromRequest.data;
      // Report the documented location so the DLQ reason points at what a real event should carry.
      for (const issue of fromService.error.issues)
        ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: detail });
      return z.NEVER;
    }),
  );
}

/** Control Tower CreateManagedAccount / UpdateManagedAccount share one shape under a per-event key. */
export function managedAccountStatus(key: 'createManagedAccountStatus' | 'updateManagedAccountStatus') {
  // A computed key loses its type in zod's inference; the casts below restate what `inner` just validated.
  const status = (inner: z.ZodMiniType) => z.looseObject({ serviceEventDetails: z.looseObject({ [key]: inner }) });
  return {
    state: read(
      status(z.looseObject({ state: z.string() })),
      (d) => (d.serviceEventDetails[key] as { state: string }).state,
    ),
    account: read(
      status(z.looseObject({ account: z.looseObject({ accountId: accountIdSchema }) })),
      (d) => (d.serviceEventDetails[key] as { account: { accountId: string } }).account.accountId,
    ),
  };
}
