import { startWorld, type World } from '../../sim/world';
import { enqueueSync as sync, protectedIn } from '../support/queued-sync';

/** MEMBER_ACCESS=existing through the real worker handler, the queue and the fakes. */

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
