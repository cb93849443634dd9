import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  type AttributeValue,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, AttributeValue>;

/**
 * Stateful DynamoDB for the state table: GetItem and PutItem with the two condition expressions the store writes
 * (`attribute_not_exists(pk)` and a version compare), evaluated as DynamoDB does, atomically per item. Unknown tables
 * answer ResourceNotFoundException. `beforePut` runs inside a write before its condition is checked, so a race test
 * can let another writer win exactly there.
 */
export function installDynamoDbFake(opts: { tables?: string[] } = {}) {
  const tables = new Map<string, Map<string, Item>>(
    (opts.tables ?? ['veeam-org-sync-state']).map((t) => [t, new Map()]),
  );
  const stub = mockClient(DynamoDBClient);
  let beforePut: ((key: string) => Promise<void> | void) | undefined;
  let puts = 0;

  const table = (name: string | undefined) => {
    const t = tables.get(name ?? '');
    if (!t)
      throw new ResourceNotFoundException({
        message: `Requested resource not found: Table: ${name} not found`,
        $metadata: { httpStatusCode: 400 },
      });
    return t;
  };

  stub.on(GetItemCommand).callsFake((input: { TableName?: string; Key?: Item }) => {
    const item = table(input.TableName).get(input.Key?.pk?.S ?? '');
    return Promise.resolve(item ? { Item: structuredClone(item) } : {});
  });

  stub.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    const t = table(input.TableName);
    const key = input.Item?.pk?.S;
    if (!key) throw new Error('PutItem without the partition key pk');
    await beforePut?.(key);
    const current = t.get(key);
    if (!conditionHolds(input, current))
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: { httpStatusCode: 400 },
      });
    puts++;
    t.set(key, structuredClone(input.Item!));
    return {};
  });

  return {
    stub,
    /** The JSON value stored under `key` in `tableName` (the default table when omitted). */
    value<T>(key: string, tableName = [...tables.keys()][0]!): T | undefined {
      const raw = tables.get(tableName)?.get(key)?.value?.S;
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    keys(tableName = [...tables.keys()][0]!): string[] {
      return [...(tables.get(tableName)?.keys() ?? [])];
    },
    onBeforePut(hook: ((key: string) => Promise<void> | void) | undefined) {
      beforePut = hook;
    },
    get successfulPuts() {
      return puts;
    },
    restore: () => stub.restore(),
  };
}

export type DynamoDbFake = ReturnType<typeof installDynamoDbFake>;

function conditionHolds(input: PutItemCommandInput, current: Item | undefined): boolean {
  const cond = input.ConditionExpression;
  if (!cond) return true;
  if (cond === 'attribute_not_exists(pk)') return current === undefined;
  const versionName = input.ExpressionAttributeNames?.['#v'];
  const expected = input.ExpressionAttributeValues?.[':v']?.N;
  if (cond === '#v = :v' && versionName && expected !== undefined)
    return current?.[versionName]?.N !== undefined && current[versionName].N === expected;
  throw new Error(`the DynamoDB fake does not evaluate the condition ${cond}`);
}
