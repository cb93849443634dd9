import { SQSClient } from '@aws-sdk/client-sqs';
import { cachedClient } from './client-cache';
import { DEFAULT_RETRY } from './retry-policy';

export const sqsClient = (): SQSClient => cachedClient('sqs', () => new SQSClient({ ...DEFAULT_RETRY }));
