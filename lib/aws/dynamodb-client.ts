import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cachedClient } from './client-cache';
import { SDK_CLIENT_RETRY } from './retry-policy';

export const dynamoDbClient = (): DynamoDBClient =>
  cachedClient('dynamodb', () => new DynamoDBClient({ ...SDK_CLIENT_RETRY }));
