import { ConfigError } from '../lib/errors';

/**
 * `serverless invoke local` runs a handler without the stack's queue URL; say which variable and how to get it,
 * before any Organizations or Veeam call is spent.
 */
export function requireAccountQueueUrl(what: string, env: Record<string, string | undefined> = process.env): void {
  if (env.ACCOUNT_QUEUE_URL?.trim()) return;
  throw new ConfigError([
    `ACCOUNT_QUEUE_URL is required but not set: ${what} enqueues on the account queue. The stack sets it in Lambda; ` +
      `with "serverless invoke local" add --env ACCOUNT_QUEUE_URL=<the stack's AccountQueueUrl output>, ` +
      `or run a dry run ({"dryRun": true}, no queue needed), or use the CLI: veeam-org-sync reconcile --stack <stack name>.`,
  ]);
}
