import type { FakeMessage } from '../../sim/aws/sqs-fake';
import { QUEUES, startWorld, type World } from '../../sim/world';
import { enqueueSync as sync, protectedIn } from '../support/queued-sync';

/**
 * MEMBER_ACCESS=dedicated through the real worker handler, the queue and the fakes: a simulated StackSet deploys
 * the access role. (existing: member-access-existing.test.ts; the configuration is read once per module registry.)
 */
const attr = (m: FakeMessage, name: string) => m.attributes[name]?.StringValue ?? '';

describe('MEMBER_ACCESS=dedicated (default)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.stop());

  it('protects a new account once the StackSet has reached it, after retrying the missing access role', async () => {
    const id = '410000000001';
    world.org.createAccount({ id, parentId: world.org.rootId });
    world.iam.addAccount(id, { accessRoleAfterAttempts: 2 });
    await sync(id);
    const run = await world.drain();
    expect(run.failed).toBe(2);
    expect(protectedIn(world, id)).toBe(true);
    expect(world.iam.role(id, 'VeeamBackupRole')!.boundary).toBe(`arn:aws:iam::${id}:policy/VeeamOrgSyncBoundary`);
    expect(world.sqs.messages(QUEUES.workerDlq)).toEqual([]);
  });

  it('dead-letters an account the StackSet never reaches, with the reason, and never uses its admin role', async () => {
    const id = '410000000002';
    world.org.createAccount({ id, parentId: world.org.rootId });
    world.iam.addAccount(id, { accessRoleAfterAttempts: 1_000 }); // outside the StackSet's targets
    await sync(id);
    await world.drain();
    const parked = world.sqs.messages(QUEUES.workerDlq).filter((m) => m.body.includes(id));
    expect(parked).toHaveLength(1);
    expect(attr(parked[0]!, 'ERROR_CODE')).toBe('AccessRoleMissing');
    expect(attr(parked[0]!, 'ERROR_MESSAGE')).toMatch(
      /^access role VeeamOrgSyncAccess missing: is the account in a StackSet target OU\?.*\(receive 5, retryable: true\)$/s,
    );
    expect(world.iam.role(id, 'VeeamBackupRole')).toBeUndefined();
    expect(
      world.iam.callsOf('AssumeRole').filter((c) => String(c.input.RoleArn).includes('OrganizationAccountAccessRole')),
    ).toEqual([]);
  });
});
