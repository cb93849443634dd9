import { STSClient } from '@aws-sdk/client-sts';
import { cachedClient } from './client-cache';
import { STS_RETRY } from './retry-policy';

export const stsClient = (): STSClient => cachedClient('sts', () => new STSClient({ ...STS_RETRY }));
