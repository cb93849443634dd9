import { IAMClient } from '@aws-sdk/client-iam';
import type { AwsCredentialIdentity } from '@smithy/types';
import { cachedClient } from './client-cache';
import { IAM_RETRY } from './retry-policy';

/** IAM with the service's own credentials (the management account). */
export const iamClient = (): IAMClient => cachedClient('iam', () => new IAMClient({ ...IAM_RETRY }));

/** IAM acting in a member account through assumed-role credentials; same retry policy as the service's own. */
export function iamClientForCredentials(
  credentials: AwsCredentialIdentity,
  overrides: Partial<ConstructorParameters<typeof IAMClient>[0]> = {},
): IAMClient {
  // IAM is a global service; the region only selects the signing/endpoint partition defaults.
  return new IAMClient({ ...IAM_RETRY, credentials, ...overrides });
}
