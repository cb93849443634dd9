import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';

/** MEMBER_ACCESS=existing through the real worker handler, the queue and the fakes. */
const sqs = new SQSClient({ region: 'us-east-1' });
let seq = 0;

async function sync(accountId: string): Promise<void> {
  seq++;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: QUEUES.account,
      MessageBody: JSON.stringify({ action: 'sync', reason: 'test', accountId, eventId: `ev-${seq}` }),
      MessageGroupId: accountId,
      MessageDeduplicationId: `d-${seq}`,
    }),
  );
}

function protectedIn(world: World, id: string): boolean {
  const entries = world.veeam.state.list().filter((e) => e.accountId === id);
  return (
    entries.length === 2 && entries.every((e) => world.iam.canAssume(id, e.roleName, APPLIANCE_ROLE_ARN, e.externalId))
  );
}

describe('MEMBER_ACCESS=existing (the less safe choice)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ env: { MEMBER_ACCESS: 'existing' } });
  });
  afterAll(() => world.stop());

  it('protects an account through OrganizationAccountAccessRole, without a boundary', async () => {
    const id = '420000000001';
    world.org.createAccount({ id, parentId: world.org.rootId });
    world.iam.addAccount(id);
    await sync(id);
    await world.drain();
    expect(protectedIn(world, id)).toBe(true);
    expect(world.iam.callsOf('AssumeRole').map((c) => String(c.input.RoleArn))).toEqual([
      `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`,
    ]);
    expect(world.iam.role(id, 'VeeamBackupRole')!.boundary).toBeUndefined();
  });
});
