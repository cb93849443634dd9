import { runCli, type CliIo } from '../../bin/cli';
import { APPLIANCE_ROLE_ARN, MANAGEMENT_ACCOUNT, startWorld, type World } from '../../sim/world';
import { addAccount } from '../support/account-harness';
import { capturedCli } from '../support/cli-io';

const A = '222233334444';
const B = '555566667777';
const RESCAN_ROLE_ARN = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/VeeamOrganizationRescan`;

const quiet = (): CliIo => capturedCli().io;

describe('migration from accounts mode to organizations mode', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
    const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
    for (const id of [A, B]) addAccount(world, id, ou);
    world.veeam.state.addEntry({
      name: 'organization-rescan',
      accountId: MANAGEMENT_ACCOUNT,
      roleName: 'VeeamOrganizationRescan',
    });
  });
  afterAll(async () => {
    delete process.env.VEEAM_MODE;
    delete process.env.VEEAM_RESCAN_ROLE_ARN;
    await world.stop();
  });

  const entries = (id: string) =>
    world.veeam.state
      .list()
      .filter((e) => e.accountId === id)
      .map((e) => e.name)
      .sort();

  it('accounts mode registers one entry per account and role, with external IDs', async () => {
    expect(await runCli(['reconcile'], quiet())).toBe(0);
    expect(entries(A)).toEqual([`${A}-backup`, `${A}-worker`]);
    expect(world.iam.canAssume(A, 'VeeamBackupRole', APPLIANCE_ROLE_ARN)).toBe(false);
  });

  it('the first organization-mode run rewrites the trusts and rescans, and keeps the entries until the rescan covers the account', async () => {
    // B's backup entry is the source of a policy: Veeam refuses to remove it, so it stays (and says why).
    world.veeam.state.findByName(`${B}-backup`)!.usedByPolicy = 'ec2-daily';
    // An entry this installation does not own is never touched.
    world.veeam.state.addEntry({
      name: `${A}-by-hand`,
      accountId: A,
      roleName: 'SomethingElse',
      description: 'made by a person',
    });
    process.env.VEEAM_MODE = 'organization';
    process.env.VEEAM_RESCAN_ROLE_ARN = RESCAN_ROLE_ARN;
    expect(await runCli(['reconcile'], quiet())).toBe(0);
    expect(world.iam.canAssume(A, 'VeeamBackupRole', APPLIANCE_ROLE_ARN)).toBe(true);
    expect(world.veeam.state.organizationRescans).toHaveLength(1);
    // Not removed in the same run: the rescan was accepted only at its end.
    expect(entries(A)).toEqual([`${A}-backup`, `${A}-by-hand`, `${A}-worker`]);
  });

  it('the next run removes only this installation’s entries of covered accounts, and not one a policy uses', async () => {
    expect(await runCli(['reconcile'], quiet())).toBe(0);
    expect(entries(A)).toEqual([`${A}-by-hand`]);
    expect(entries(B)).toEqual([`${B}-backup`]);
    expect(world.veeam.state.organizationRescans).toHaveLength(1);
  });

  it('rotation does nothing in organizations mode', async () => {
    const writes = world.iam.writes().length;
    expect(await runCli(['rotate', '--account', A, '--force'], quiet())).toBe(0);
    expect(world.iam.writes().length).toBe(writes);
    expect(world.iam.canAssume(A, 'VeeamBackupRole', APPLIANCE_ROLE_ARN)).toBe(true);
  });
});
