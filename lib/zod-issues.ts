import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini ships no messages ("Invalid input" for everything); every parser reports through describeIssues, so
// loading this module first gives them all the English ones ("Unrecognized key: ...", "expected boolean, ...").
z.config(en());

/** "detail.requestParameters.accountId: must be a 12-digit AWS account id", one line per problem. */
export function describeIssues(error: z.core.$ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}
