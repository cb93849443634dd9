import { convergeAccount } from '../../lib/account/converge-account';
import { depsFor } from '../support/account-harness';
import { startWorld, type World } from '../../sim/world';

const A = '444455556666';

describe("finding an account's Veeam entries beyond the name search", () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
    world.org.createAccount({ id: A, name: 'app', parentId: world.org.createOu(undefined, 'ou-ab12-22222222') });
    world.iam.addAccount(A);
  });
  afterEach(() => world.stop());

  it('an entry of ours renamed by hand is found and renamed back, not duplicated', async () => {
    const deps = depsFor();
    await convergeAccount(deps, A, { dryRun: false });
    world.veeam.state.findByName(`${A}-backup`)!.name = 'prod backup (renamed)';
    const report = await convergeAccount(deps, A, { dryRun: false });
    expect(report.action).toBe('update');
    expect(
      world.veeam.state
        .list()
        .filter((e) => e.accountId === A)
        .map((e) => e.name)
        .sort(),
    ).toEqual([`${A}-backup`, `${A}-worker`]);
  });

  it('a role already registered by someone else under another name is reported as a conflict, not registered twice', async () => {
    world.veeam.state.addEntry({
      name: 'registered by hand',
      accountId: A,
      roleName: 'VeeamBackupRole',
      description: 'the backup team',
    });
    const report = await convergeAccount(depsFor(), A, { dryRun: false });
    expect(report.action).toBe('conflict');
    expect(world.veeam.state.list().filter((e) => e.accountId === A && e.roleName === 'VeeamBackupRole')).toHaveLength(
      1,
    );
    expect(world.veeam.state.findByName('registered by hand')!.description).toBe('the backup team');
  });
});
