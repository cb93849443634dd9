import { SQSClient } from '@aws-sdk/client-sqs';
import { cachedClient } from './client-cache';
import { SDK_CLIENT_RETRY } from './retry-policy';

export const sqsClient = (): SQSClient => cachedClient('sqs', () => new SQSClient({ ...SDK_CLIENT_RETRY }));
