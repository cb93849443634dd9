import { readFileSync } from 'node:fs';
import path from 'node:path';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../fixtures', name), 'utf8')) as Record<string, unknown>;

describe('one new-account event, end to end through the real handlers', () => {
  let world: World;
  let accountId: string;

  beforeAll(async () => {
    world = await startWorld();
    const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
    accountId = world.org.createAccount({ id: '444455556666', name: 'app-prod', parentId: ou });
    world.iam.addAccount(accountId);
  });
  afterAll(() => world.stop());

  it('provisions both roles and registers exactly one Veeam entry per role, holding the ID the trust requires', async () => {
    await world.deliverEvent(fixture('create-account-result-succeeded.json'));
    expect(world.sqs.messages(QUEUES.account)).toHaveLength(1);
    const { failed } = await world.drain();
    expect(failed).toBe(0);

    const entries = world.veeam.state.list().filter((e) => e.accountId === accountId);
    expect(entries.map((e) => e.name).sort()).toEqual([`${accountId}-backup`, `${accountId}-worker`]);
    for (const e of entries) {
      expect(world.iam.role(accountId, e.roleName)).toBeDefined();
      expect(world.iam.canAssume(accountId, e.roleName, APPLIANCE_ROLE_ARN, e.externalId)).toBe(true);
      expect(world.iam.canAssume(accountId, e.roleName, APPLIANCE_ROLE_ARN, 'wrong-external-id-0000000000000000')).toBe(
        false,
      );
      expect(world.iam.canAssume(accountId, e.roleName, APPLIANCE_ROLE_ARN)).toBe(false);
    }
    expect(world.iam.canAssume(accountId, 'VeeamWorkerRole', 'ec2.amazonaws.com')).toBe(true);
    expect(world.iam.canAssume(accountId, 'VeeamBackupRole', 'ec2.amazonaws.com')).toBe(false);
    expect(world.veeam.state.counters.logins).toBe(1);
  });

  it('the same CloudTrail event again is deduplicated, and a replay converges with zero writes', async () => {
    const iamWrites = world.iam.writes(accountId).length;
    const veeamWrites = world.veeam.state.writes();
    await world.deliverEvent(fixture('create-account-result-succeeded.json'));
    expect(world.sqs.messages(QUEUES.account)).toHaveLength(0);

    // A replay with a new event id (e.g. reconcile or a redrive) is processed, and changes nothing.
    await world.deliverEvent({
      ...fixture('create-account-result-succeeded.json'),
      id: 'another-delivery',
      detail: { ...(fixture('create-account-result-succeeded.json').detail as object), eventID: 'another-event-id' },
    });
    expect((await world.drain()).delivered).toBe(1);
    expect(world.iam.writes(accountId).length).toBe(iamWrites);
    expect(world.veeam.state.writes()).toBe(veeamWrites);
  });
});
