import { runCli } from '../../bin/cli';
import { forApplianceVersion, majorOf } from '../../lib/roles/blueprints/versions';
import { blueprints } from '../../lib/roles/blueprints';
import { startWorld, type World } from '../../sim/world';
import { capturedCli } from '../support/cli-io';

const A = '222233334444';

const cli = capturedCli;

const actionsOf = (world: World, role: string): string[] =>
  [...world.iam.role(A, role)!.inline.values()].flatMap((doc) =>
    (JSON.parse(decodeURIComponent(doc)) as { Statement: Array<{ Action: string[] }> }).Statement.flatMap(
      (s) => s.Action,
    ),
  );

describe('role permissions follow the appliance version (GET /api/v1/system/version)', () => {
  it('the lists per version: 11 added ebs:GetSnapshotBlock, kms:Decrypt and pricing:GetProducts; 9 ec2:DescribeImages (worker)', () => {
    const [backup, worker] = blueprints({ backupRoleName: 'B', workerRoleName: 'W' });
    const actions = (bp: typeof backup, major?: number) =>
      forApplianceVersion(bp!, major).policies.flatMap((p) => p.statements.flatMap((s) => s.actions));
    expect(actions(backup, 10)).not.toEqual(expect.arrayContaining(['ebs:GetSnapshotBlock']));
    expect(actions(backup, 10)).not.toContain('kms:Decrypt');
    expect(actions(backup, 11)).toEqual(expect.arrayContaining(['ebs:GetSnapshotBlock', 'kms:Decrypt']));
    expect(actions(worker, 10)).not.toContain('pricing:GetProducts');
    expect(actions(worker, 10)).toContain('ec2:DescribeImages');
    expect(actions(worker, 8)).not.toContain('ec2:DescribeImages');
    // An appliance that does not say, or one newer than the lists: the newest (a superset).
    expect(actions(backup, undefined)).toEqual(actions(backup, 11));
    expect(actions(backup, 12)).toEqual(actions(backup, 11));
    expect(majorOf('10.0.0.232')).toBe(10);
    expect(majorOf('unknown')).toBeUndefined();
  });

  describe('an appliance upgraded from 10 to 11', () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld();
      world.veeam.state.productVersion = '10.0.0.232';
      const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
      world.org.createAccount({ id: A, name: 'app', parentId: ou });
      world.iam.addAccount(A);
    });
    afterAll(() => world.stop());

    it('on 10 the roles get the version-10 lists, and status says which version they match', async () => {
      expect(await runCli(['reconcile'], cli().io)).toBe(0);
      expect(actionsOf(world, 'VeeamBackupRole')).not.toContain('kms:Decrypt');
      expect(actionsOf(world, 'VeeamWorkerRole')).not.toContain('pricing:GetProducts');
      const c = cli();
      await runCli(['status', '--json'], c.io);
      expect(JSON.parse(c.out[0]!)).toMatchObject({ applianceVersion: '10.0.0.232', rolesMatchVersion: '10' });
    });

    it('after the upgrade, the next reconcile adds what 11 needs, in every role; then nothing', async () => {
      world.veeam.state.productVersion = '11.0.0.1117';
      const c = cli();
      expect(await runCli(['reconcile', '--json'], c.io)).toBe(0);
      const accounts = (JSON.parse(c.out[0]!) as { report: { accounts: Array<{ accountId: string; action: string }> } })
        .report.accounts;
      expect(accounts.find((a) => a.accountId === A)?.action).toBe('repair');
      expect(actionsOf(world, 'VeeamBackupRole')).toEqual(
        expect.arrayContaining(['ebs:GetSnapshotBlock', 'kms:Decrypt']),
      );
      expect(actionsOf(world, 'VeeamWorkerRole')).toContain('pricing:GetProducts');
      const writes = world.iam.writes().length;
      expect(await runCli(['reconcile'], cli().io)).toBe(0);
      expect(world.iam.writes().length).toBe(writes);
    });
  });
});
