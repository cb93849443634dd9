import { convergeAccount } from '../../lib/account/converge-account';
import { convergeInProcess, reconcile } from '../../lib/fleet/reconcile';
import type { AccountReport } from '../../lib/account/account-report';
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

  it('a role already registered by someone else under another name is found by reconcile (it lists every entry) and reported as a conflict, not registered twice', async () => {
    world.veeam.state.addEntry({
      name: 'registered by hand',
      accountId: A,
      roleName: 'VeeamBackupRole',
      description: 'the backup team',
    });
    const run = await reconcile(depsFor(), { dryRun: false, dispatcher: convergeInProcess() });
    const report = run.accounts.find((a) => a.accountId === A) as AccountReport;
    expect(report.action).toBe('conflict');
    expect(world.veeam.state.list().filter((e) => e.accountId === A && e.roleName === 'VeeamBackupRole')).toHaveLength(
      1,
    );
    expect(world.veeam.state.findByName('registered by hand')!.description).toBe('the backup team');
  });
});

describe("a new account's Veeam requests do not grow with the appliance", () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.stop());

  async function requestsForNewAccount(others: number): Promise<number> {
    for (let i = 0; i < others; i++)
      world.veeam.state.addEntry({
        name: `other-${i}`,
        accountId: String(700000000000 + i),
        roleName: 'VeeamBackupRole',
        description: 'someone else',
      });
    const id = String(555500000000 + others);
    world.org.createAccount({ id, name: 'new' });
    world.iam.addAccount(id);
    const deps = depsFor();
    const veeam = await deps.veeam();
    const before = veeam.stats.requests - veeam.stats.logins;
    const report = await convergeAccount(deps, id, { dryRun: false, reason: 'CreateAccountResult' });
    expect(report.action).toBe('create');
    // The login is once per container (the token is reused), not per account.
    return veeam.stats.requests - veeam.stats.logins - before;
  }

  it('one name search and the two POSTs, plus the appliance version once per container (like the login), with 10 or 600 other entries (several pages)', async () => {
    const few = await requestsForNewAccount(10);
    const many = await requestsForNewAccount(600);
    expect(few).toBe(many);
    expect(many).toBe(4);
    // Each requestsForNewAccount builds a new client (a cold container): one version read each, never per account.
    expect(world.veeam.state.count('GET /api/v1/system/version')).toBe(2);
  });
});
