import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * IAM and STS throttle per account with limits that cannot be raised, and a reconcile touches many accounts at once:
 * more attempts than the SDK default (3) ride out bursts. 'standard' (not 'adaptive'): adaptive rate-limits the
 * client itself, which AWS advises against for clients shared across tenants (here: member accounts).
 */
const IAM_RETRY = { retryMode: 'standard', maxAttempts: 8 } as const;
const STS_RETRY = { retryMode: 'standard', maxAttempts: 8 } as const;
/** Organizations throttles DescribeAccount/ListParents under concurrency at a few hundred accounts. */
const ORGANIZATIONS_RETRY = { retryMode: 'standard', maxAttempts: 10 } as const;
const DEFAULT_RETRY = { retryMode: 'standard', maxAttempts: 5 } as const;

/** The Organizations API endpoint lives in us-east-1 only, whatever region the function runs in. */
const ORGANIZATIONS_REGION = 'us-east-1';

interface AwsClients {
  sts: STSClient;
  iam: IAMClient;
  organizations: OrganizationsClient;
  sqs: SQSClient;
}

let clients: Partial<AwsClients> = {};

/*
 * Clients with the service's own credentials, each created once per container so connections and resolved
 * credentials are reused across invocations. No `endpoint` is set: the SDK honours AWS_ENDPOINT_URL(_<SERVICE>) by
 * itself, so the same code runs against any AWS-compatible endpoint. One factory per service: a function that only
 * needs SQS (intake) references only sqsClient, so its bundle leaves the other clients out (tree-shaking).
 */
export const sqsClient = (): SQSClient => (clients.sqs ??= new SQSClient({ ...DEFAULT_RETRY }));
export const stsClient = (): STSClient => (clients.sts ??= new STSClient({ ...STS_RETRY }));
export const iamClient = (): IAMClient => (clients.iam ??= new IAMClient({ ...IAM_RETRY }));
export const organizationsClient = (): OrganizationsClient =>
  (clients.organizations ??= new OrganizationsClient({ ...ORGANIZATIONS_RETRY, region: ORGANIZATIONS_REGION }));

/** Forget the cached clients (tests that change the environment between cases). */
export function resetAwsClients(): void {
  clients = {};
}

/** IAM acting in a member account through assumed-role credentials; same retry policy as the service's own. */
export function iamClientForCredentials(
  credentials: AwsCredentialIdentity,
  overrides: Partial<ConstructorParameters<typeof IAMClient>[0]> = {},
): IAMClient {
  // IAM is a global service; the region only selects the signing/endpoint partition defaults.
  return new IAMClient({ ...IAM_RETRY, credentials, ...overrides });
}
