import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { cachedClient } from './client-cache';
import { ORGANIZATIONS_RETRY } from './retry-policy';

/** The Organizations API endpoint lives in us-east-1 only, whatever region the function runs in. */
const ORGANIZATIONS_REGION = 'us-east-1';

export const organizationsClient = (): OrganizationsClient =>
  cachedClient(
    'organizations',
    () => new OrganizationsClient({ ...ORGANIZATIONS_RETRY, region: ORGANIZATIONS_REGION }),
  );
