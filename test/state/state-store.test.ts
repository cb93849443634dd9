import { DynamoDbStateStore } from '../../lib/state/dynamodb-store';
import { StateContentionError, updateState } from '../../lib/state';
import { resetAwsClients } from '../../lib/aws/client-cache';
import { installDynamoDbFake, type DynamoDbFake } from '../../sim/aws/dynamodb-fake';

let ddb: DynamoDbFake;
const store = () => new DynamoDbStateStore('veeam-org-sync-state');

beforeEach(() => {
  resetAwsClients();
  ddb = installDynamoDbFake();
});
afterEach(() => ddb.restore());

describe('the state store (DynamoDB)', () => {
  it('writes a new item only once, then only at the version it was read at', async () => {
    const s = store();
    expect(await s.get('k')).toBeUndefined();
    expect(await s.put('k', { n: 1 }, undefined)).toBe(true);
    expect(await s.put('k', { n: 9 }, undefined)).toBe(false);
    expect(await s.get('k')).toEqual({ value: { n: 1 }, version: 1 });
    expect(await s.put('k', { n: 2 }, 2)).toBe(false);
    expect(await s.put('k', { n: 2 }, 1)).toBe(true);
    expect(await s.get('k')).toEqual({ value: { n: 2 }, version: 2 });
  });

  it('decides again on what a concurrent winner wrote, so no increment is lost', async () => {
    const s = store();
    const add = () => updateState<number, void>(s, 'counter', (n) => ({ next: (n ?? 0) + 1, result: undefined }), 50);
    await Promise.all(Array.from({ length: 20 }, add));
    expect(ddb.value<number>('counter')).toBe(20);
  });

  it('gives up with a retryable error naming the key when every write loses', async () => {
    const s = store();
    await s.put('busy', 0, undefined);
    let bump = 0;
    ddb.onBeforePut(async () => {
      ddb.onBeforePut(undefined);
      // Another writer wins between this writer's read and its write, every time.
      await s.put('busy', ++bump, bump);
      ddb.onBeforePut(async () => {
        ddb.onBeforePut(undefined);
        await s.put('busy', ++bump, bump);
      });
    });
    const write = updateState<number, void>(s, 'busy', (n) => ({ next: (n ?? 0) + 100, result: undefined }), 2);
    await expect(write).rejects.toBeInstanceOf(StateContentionError);
    await expect(write).rejects.toThrow(/state item "busy" changed under 2 consecutive writes/);
  });

  it('writes nothing when the decision keeps the current value', async () => {
    const s = store();
    const r = await updateState<number, string>(s, 'none', () => ({ result: 'kept' }));
    expect(r).toBe('kept');
    expect(ddb.successfulPuts).toBe(0);
  });
});
