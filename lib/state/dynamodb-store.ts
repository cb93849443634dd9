import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '../aws/dynamodb-client';
import type { StateStore, StoredItem } from './types';

/**
 * The state table the stack creates (STATE_TABLE_NAME): partition key `pk` (string); `value` holds the JSON document,
 * `version` the write count, `expiresAt` (epoch seconds) the table's TTL attribute. On-demand billing: a handful of
 * small items, written a few times per run.
 */
export class DynamoDbStateStore implements StateStore {
  constructor(private readonly tableName: string) {}

  async get<T>(key: string): Promise<StoredItem<T> | undefined> {
    const out = await dynamoDbClient().send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item?.value?.S || !item.version?.N) return undefined;
    return { value: JSON.parse(item.value.S) as T, version: Number(item.version.N) };
  }

  async put<T>(key: string, value: T, expectedVersion: number | undefined, opts?: { expiresAt?: Date }) {
    try {
      await dynamoDbClient().send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: key },
            value: { S: JSON.stringify(value) },
            version: { N: String((expectedVersion ?? 0) + 1) },
            ...(opts?.expiresAt ? { expiresAt: { N: String(Math.floor(opts.expiresAt.getTime() / 1000)) } } : {}),
          },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
              }),
        }),
      );
      return true;
    } catch (err) {
      // By name too: a bundled copy of the SDK and the caller may not share the class.
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException')
        return false;
      throw err;
    }
  }
}
