import * as z from 'zod/mini';
import { InvalidInputError } from './errors';

/** An AWS account id: exactly 12 digits. The one definition used by configuration, events and convergence. */
export const ACCOUNT_ID = /^\d{12}$/;

export function assertAccountId(accountId: string): void {
  if (!ACCOUNT_ID.test(accountId)) throw new InvalidInputError(`"${accountId}" is not an AWS account id (12 digits).`);
}

/** The same rule for parsed input (events, queue messages, handler inputs). */
export const accountIdSchema = z.string().check(z.regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'));
