import { sqsRecord } from '../../sim/lambda';
import { QUEUES, startWorld, type World } from '../../sim/world';

/** What an operator sees when the secrets extension has a bad moment: the request waits in the queue, not the DLQ. */
let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.stop());

it('an extension answering 503 (or refusing the token) for a while: the account request is retried, then converges', async () => {
  const acct = '626262626262';
  world.org.createAccount({ id: acct, name: 'app', parentId: world.org.rootId });
  world.iam.addAccount(acct);
  const body = JSON.stringify({ accountId: acct, action: 'sync', reason: 'test', eventId: 'ev-626' });
  const deliver = (receiveCount: number) =>
    world.invokeWorker({ Records: [sqsRecord({ messageId: 'm-626', body, receiveCount, groupId: acct })] });

  // Four answers = every attempt of one read (the first try and three brief retries).
  world.ext.failNext(2, 503);
  world.ext.failNext(2, 401);
  const first = await deliver(1);
  expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-626' }]);
  expect(world.sqs.messages(QUEUES.workerDlq)).toHaveLength(0);

  const second = await deliver(2);
  expect(second.batchItemFailures).toEqual([]);
  expect(world.veeam.state.list().filter((e) => e.accountId === acct)).toHaveLength(2);
});
