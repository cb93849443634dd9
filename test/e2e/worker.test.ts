import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseEntryDescription } from '../../lib/registration';
import { throttlingError } from '../../sim/aws/iam-fake';
import type { FakeMessage } from '../../sim/aws/sqs-fake';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';

/**
 * The worker as deployed: messages on the account queue (SQS fake), the real worker handler fed by world.drain()
 * like the event source mapping (batches of 10, failed items back on the queue with a higher receive count),
 * convergence against IAM/STS fakes and the Veeam simulator. MAX_RECEIVE_COUNT is 5 in the world.
 */
let world: World;
const sqs = new SQSClient({ region: 'us-east-1' });
let seq = 0;
/** IAM in these accounts answers GetRole with throttling while listed here (other accounts are unaffected). */
const throttled = new Set<string>();

async function enqueue(
  ...bodies: Array<string | { accountId: string; action?: string; reason?: string }>
): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: QUEUES.account,
      Entries: bodies.map((b) => {
        seq++;
        const body =
          typeof b === 'string' ? b : JSON.stringify({ action: 'sync', reason: 'test', ...b, eventId: `ev-${seq}` });
        return {
          Id: `m${seq}`,
          MessageBody: body,
          MessageGroupId: typeof b === 'string' ? 'malformed' : b.accountId,
          MessageDeduplicationId: `d-${seq}`,
        };
      }),
    }),
  );
}

function addAccount(id: string): string {
  world.org.createAccount({ id, name: `acct-${id}`, parentId: world.org.rootId });
  world.iam.addAccount(id);
  return id;
}

const dlq = () => world.sqs.messages(QUEUES.workerDlq);
const attr = (m: FakeMessage, name: string) => m.attributes[name]?.StringValue ?? '';
const dlqFor = (accountId: string) => dlq().filter((m) => m.body.includes(accountId));
const isProtected = (id: string) => {
  const entries = world.veeam.state
    .list()
    .filter((e) => e.accountId === id && parseEntryDescription(e.description).owned);
  return (
    entries.length === 2 && entries.every((e) => world.iam.canAssume(id, e.roleName, APPLIANCE_ROLE_ARN, e.externalId))
  );
};

beforeAll(async () => {
  world = await startWorld();
  world.iam.failNext('GetRole', (_input, acct) => (throttled.has(acct) ? throttlingError() : undefined), 100_000);
});
afterAll(() => world.stop());

describe('worker: what happens to each message', () => {
  it('a malformed body goes to the worker DLQ at once, with ERROR_CODE / ERROR_MESSAGE, and is not retried', async () => {
    await enqueue('{"accountId": "12", "action": "sync"}');
    const { delivered, failed } = await world.drain();
    expect({ delivered, failed }).toEqual({ delivered: 1, failed: 0 });
    expect(world.sqs.messages(QUEUES.account)).toEqual([]);
    const [m] = dlq();
    expect(dlq()).toHaveLength(1);
    expect(m!.body).toBe('{"accountId": "12", "action": "sync"}');
    expect(attr(m!, 'ERROR_CODE')).toBe('InvalidInput');
    expect(attr(m!, 'ERROR_MESSAGE')).toMatch(/accountId/);
    expect(attr(m!, 'ERROR_MESSAGE')).toMatch(/receive 1, retryable: false/);
  });

  it('a retryable failure is retried, and after MAX_RECEIVE_COUNT receives lands in the DLQ with its reason', async () => {
    const Z = addAccount('820000000001');
    throttled.add(Z);
    await enqueue({ accountId: Z });
    const { delivered, failed } = await world.drain();
    throttled.delete(Z);
    // Receives 1-4 fail back to the queue; on the 5th the worker parks it itself, with the reason.
    expect({ delivered, failed }).toEqual({ delivered: 5, failed: 4 });
    expect(world.sqs.messages(QUEUES.account)).toEqual([]);
    const parked = dlqFor(Z);
    expect(parked).toHaveLength(1);
    expect(parked[0]!.groupId).toBe(Z);
    expect(attr(parked[0]!, 'ERROR_CODE')).toBe('Throttling');
    expect(attr(parked[0]!, 'ERROR_MESSAGE')).toMatch(/Rate exceeded \(receive 5, retryable: true\)/);
    expect(isProtected(Z)).toBe(false);
  });

  it('an unclassified error (a bug, an answer no protocol allows) is parked in the DLQ on its first receive, with its reason', async () => {
    const U = addAccount('820000000006');
    world.iam.failNext('CreateRole', (_input, acct) =>
      acct === U ? new Error('CreateRole answered without a Role element') : undefined,
    );
    await enqueue({ accountId: U });
    const { delivered, failed } = await world.drain();
    expect({ delivered, failed }).toEqual({ delivered: 1, failed: 0 });
    const parked = dlqFor(U);
    expect(parked).toHaveLength(1);
    expect(attr(parked[0]!, 'ERROR_CODE')).toBe('Error');
    expect(attr(parked[0]!, 'ERROR_MESSAGE')).toMatch(
      /CreateRole answered without a Role element \(receive 1, retryable: false\)/,
    );
  });

  it('one failing account does not block another account in the same batch; its own later message waits its turn', async () => {
    const X = addAccount('820000000002');
    const Y = addAccount('820000000003');
    throttled.add(X);
    await enqueue({ accountId: X }, { accountId: Y }, { accountId: X, reason: 'later' });
    const first = await world.drain(1);
    // X failed and its later message was not processed out of order (skipGroupOnError); Y went through.
    expect(first).toEqual({ delivered: 3, failed: 2 });
    expect(isProtected(Y)).toBe(true);
    expect(isProtected(X)).toBe(false);
    expect(world.sqs.messages(QUEUES.account).map((m) => m.groupId)).toEqual([X, X]);

    throttled.delete(X);
    const rest = await world.drain();
    expect(rest.failed).toBe(0);
    expect(isProtected(X)).toBe(true);
    expect(dlqFor(X)).toEqual([]);
    expect(dlqFor(Y)).toEqual([]);
  });

  it('a conflict (a hand-made role of our name) is reported, not failed: acknowledged, no retry, no DLQ, the rest protected', async () => {
    const W = addAccount('820000000004');
    const theirs = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
    });
    world.iam.addRole(W, 'VeeamBackupRole', { trust: theirs });
    await enqueue({ accountId: W });
    const { delivered, failed } = await world.drain();
    expect({ delivered, failed }).toEqual({ delivered: 1, failed: 0 });
    expect(dlqFor(W)).toEqual([]);
    // Their role is untouched and not registered; ours (the worker role) is protected.
    expect(world.iam.role(W, 'VeeamBackupRole')!.trust).toBe(theirs);
    expect(world.iam.role(W, 'VeeamBackupRole')!.tags.size).toBe(0);
    expect(world.iam.writes(W).some((c) => c.input.RoleName === 'VeeamBackupRole')).toBe(false);
    const entries = world.veeam.state.list().filter((e) => e.accountId === W);
    expect(entries.map((e) => e.roleName)).toEqual(['VeeamWorkerRole']);
    expect(world.iam.canAssume(W, 'VeeamWorkerRole', APPLIANCE_ROLE_ARN, entries[0]!.externalId)).toBe(true);
  });

  it('a non-retryable failure (the appliance rejects the entry: 400) goes to the DLQ on the first receive', async () => {
    const V = addAccount('820000000005');
    world.veeam.faults.failPath('POST', '/api/v1/accounts/amazon', 400, 1);
    await enqueue({ accountId: V });
    const { delivered, failed } = await world.drain();
    expect({ delivered, failed }).toEqual({ delivered: 1, failed: 0 });
    const parked = dlqFor(V);
    expect(parked).toHaveLength(1);
    expect(attr(parked[0]!, 'ERROR_MESSAGE')).toMatch(/receive 1, retryable: false/);
    // A redrive (or the next reconcile) converges it.
    await enqueue({ accountId: V, reason: 'redrive' });
    await world.drain();
    expect(isProtected(V)).toBe(true);
  });
});
