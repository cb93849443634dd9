import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cachedClient } from './client-cache';
import { DEFAULT_RETRY } from './retry-policy';

export const dynamoDbClient = (): DynamoDBClient =>
  cachedClient('dynamodb', () => new DynamoDBClient({ ...DEFAULT_RETRY }));
