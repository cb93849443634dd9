/**
 * IAM and STS throttle per account with limits that cannot be raised, and a reconcile touches many accounts at once:
 * more attempts than the SDK default (3) ride out bursts. 'standard' (not 'adaptive'): adaptive rate-limits the
 * client itself, which AWS advises against for clients shared across tenants (here: member accounts).
 */
export const IAM_RETRY = { retryMode: 'standard', maxAttempts: 8 } as const;
export const STS_RETRY = { retryMode: 'standard', maxAttempts: 8 } as const;
/** Organizations throttles DescribeAccount/ListParents under concurrency at a few hundred accounts. */
export const ORGANIZATIONS_RETRY = { retryMode: 'standard', maxAttempts: 10 } as const;
/** Every other SDK client (SQS, EventBridge, DynamoDB, Secrets Manager): a little more patience than the default. */
export const SDK_CLIENT_RETRY = { retryMode: 'standard', maxAttempts: 5 } as const;
