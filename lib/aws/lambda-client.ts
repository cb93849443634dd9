import { LambdaClient } from '@aws-sdk/client-lambda';
import { cachedClient } from './client-cache';
import { SDK_CLIENT_RETRY } from './retry-policy';

/** Lambda in the configured region (the CLI's doctor reads the extension layer with it). */
export const lambdaClient = (): LambdaClient => cachedClient('lambda', () => new LambdaClient({ ...SDK_CLIENT_RETRY }));
