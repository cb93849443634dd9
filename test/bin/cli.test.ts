import path from 'node:path';
import { runCli } from '../../bin/cli';
import { startWorld, type World } from '../../sim/world';

const A = '444455556666';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('the CLI (same configuration as the Lambdas, converging in-process)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
    const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
    world.org.createAccount({ id: A, name: 'app-prod', parentId: ou });
    world.iam.addAccount(A);
  });
  afterAll(() => world.stop());

  it('reconcile --dry-run --json shows the plan and changes nothing', async () => {
    const c = io();
    const code = await runCli(['reconcile', '--dry-run', '--json'], c.io);
    expect(code).toBe(0);
    const report = JSON.parse(c.out.join('')) as {
      dryRun: boolean;
      accounts: Array<{ accountId: string; action: string }>;
    };
    expect(report.dryRun).toBe(true);
    expect(report.accounts.find((a) => a.accountId === A)?.action).toBe('create');
    expect(world.iam.writes().length).toBe(0);
    expect(world.veeam.state.writes()).toBe(0);
  });

  it('event <file> processes a CloudTrail event as the Lambda would', async () => {
    const c = io();
    const code = await runCli(
      ['event', path.join(__dirname, '../fixtures/create-account-result-succeeded.json')],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.out.join('\n')).toMatch(new RegExp(`${A}\\s+in scope\\s+create`));
    expect(world.veeam.state.list().filter((e) => e.accountId === A)).toHaveLength(2);
  });

  it('status prints one row per account with roles, Veeam entries and external-ID age', async () => {
    const c = io();
    expect(await runCli(['status'], c.io)).toBe(0);
    const table = c.out.join('\n');
    expect(table).toMatch(/account\s+scope\s+action\s+IAM roles\s+Veeam entries\s+ext-ID age/);
    expect(table).toMatch(
      new RegExp(`${A}\\s+in scope\\s+ok\\s+VeeamBackupRole:ok VeeamWorkerRole:ok\\s+backup:ok worker:ok\\s+0d 0d`),
    );
  });

  it('rotate prints every phase in order and completes before returning', async () => {
    const c = io();
    const code = await runCli(['rotate', '--account', A, '--force', '--propagation-wait', '0'], c.io);
    expect(code).toBe(0);
    const phases = c.out
      .filter((l) => /^\d{4}-\S+\s+\d{12}\s+VeeamBackupRole\s/.test(l))
      .map((l) => l.trim().split(/\s+/).pop());
    expect(phases).toEqual(['widened', 'propagated', 'pushed', 'verified', 'narrowed']);
    expect(c.out.join('\n')).toMatch(new RegExp(`${A}\\s+in scope\\s+rotate`));
  });

  it('sync of an account outside the organization says so and changes nothing', async () => {
    const c = io();
    const writes = world.iam.writes().length;
    expect(await runCli(['sync', '999999999999'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/999999999999\s+out of scope\s+skip.*not a member of the organization/);
    expect(world.iam.writes().length).toBe(writes);
  });

  it('bad usage and bad configuration exit with 2 and say what to fix', async () => {
    const c = io();
    expect(await runCli(['sync', '12345'], c.io)).toBe(1);
    expect(c.out.join('\n')).toMatch(/not an AWS account id/);
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    const saved = process.env.VEEAM_PRINCIPAL_ARN;
    delete process.env.VEEAM_PRINCIPAL_ARN;
    const { resetService } = await import('../../functions/service');
    resetService();
    const bad = io();
    expect(await runCli(['status'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/VEEAM_PRINCIPAL_ARN is required/);
    process.env.VEEAM_PRINCIPAL_ARN = saved;
  });
});
