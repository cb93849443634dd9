import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { MemberAccessError } from './errors';
import { backoffDelay } from '../util/backoff';
import type { Sleep } from '../util/sleep';

/** Role chaining (our execution role -> member role) fails outright above 1 h rather than being truncated. */
const SESSION_SECONDS = 3600;

export interface AssumeIntoOptions {
  sts: STSClient;
  accountId: string;
  partition: string;
  roleNames: readonly string[];
  sessionName: string;
  sleep: Sleep;
  now: () => number;
  /** Total time spent waiting for a denying account before handing the message back to the queue. */
  budgetMs: number;
  firstDelayMs: number;
  /** The error to throw when every role stayed denied (default: a retryable MemberAccessError naming the fix). */
  deniedError?: (cause: unknown) => Error;
  /** Longest single wait (default 8 s): the queue's redelivery delay takes over for longer waits. */
  maxDelayMs?: number;
  /** Jitter source (default Math.random): spreads the retries of many new accounts created at once. */
  random?: () => number;
}

function isAccessDenied(err: unknown): boolean {
  const name = (err as { name?: string; Code?: string } | null)?.name ?? '';
  return name === 'AccessDenied' || name === 'AccessDeniedException';
}

/**
 * Tries each configured role name in order. AccessDenied on all of them is what a brand-new account returns for
 * its first minutes, so the round is repeated with capped, jittered exponential backoff within a short budget; after
 * that the message goes back to the queue (retryable, redelivered after a growing delay) instead of holding a Lambda
 * in a long sleep.
 */
export async function assumeInto(
  o: AssumeIntoOptions,
): Promise<{ credentials: AwsCredentialIdentity; roleName: string }> {
  const started = o.now();
  const policy = { baseDelayMs: o.firstDelayMs, maxDelayMs: o.maxDelayMs ?? 8_000 };
  const random = o.random ?? Math.random;
  let rounds = 0;
  let lastDenied: unknown;
  for (;;) {
    rounds++;
    for (const roleName of o.roleNames) {
      try {
        const res = await o.sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:${o.partition}:iam::${o.accountId}:role/${roleName}`,
            RoleSessionName: o.sessionName,
            DurationSeconds: SESSION_SECONDS,
          }),
        );
        const c = res.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`STS AssumeRole into ${o.accountId} returned no credentials`);
        return {
          roleName,
          credentials: {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
            ...(c.Expiration ? { expiration: c.Expiration } : {}),
          },
        };
      } catch (err) {
        if (!isAccessDenied(err)) throw err;
        lastDenied = err;
      }
    }
    const delay = backoffDelay(policy, rounds, random);
    if (o.now() - started + delay > o.budgetMs) break;
    await o.sleep(delay);
  }
  if (o.deniedError) throw o.deniedError(lastDenied);
  const tried = o.roleNames.join(', ');
  throw new MemberAccessError(
    `Cannot assume any member role in account ${o.accountId}: tried ${tried} (AccessDenied, ${rounds} round(s) over ~${Math.round((o.now() - started) / 1000)} s). ` +
      `A newly created account can deny access for a few minutes; this account will be retried. ` +
      `If it is not new, create OrganizationAccountAccessRole in it with a trust to the management account (invited accounts have none), ` +
      `or set MEMBER_ROLE_NAMES to a role that exists there and that the service's execution role may assume.`,
    true,
    { cause: lastDenied },
  );
}
