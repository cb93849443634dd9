import { runCli } from '../../bin/cli';
import { startWorld, type World } from '../../sim/world';
import { addAccount } from '../support/account-harness';
import { capturedCli } from '../support/cli-io';

const A = '222233334444';
const B = '555566667777';
const POLICIES = '/api/v1/virtualMachines/policies';

const cli = capturedCli;

interface CoverageDoc {
  schemaVersion: number;
  command: string;
  exitCode: number;
  accounts: Array<{
    accountId: string;
    covered: boolean;
    policies: Array<{ name: string; workload: string; enabled: boolean }>;
    reason: string | null;
  }>;
  totals: { inScope: number; covered: number; notCovered: number };
  skippedCollections: Array<{ workload: string; path: string }>;
}

describe('veeam-org-sync coverage (accounts mode, in-process against the simulators)', () => {
  let world: World;
  let entryOfA: string;

  beforeAll(async () => {
    world = await startWorld();
    const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
    for (const id of [A, B]) addAccount(world, id, ou);
    expect(await runCli(['reconcile'], cli().io)).toBe(0);
    entryOfA = world.veeam.state.findByName(`${A}-backup`)!.id;
  });
  afterAll(() => world.stop());

  const coverage = async (args: string[] = []) => {
    const c = cli();
    const code = await runCli(['coverage', '--json', ...args], c.io);
    expect(c.out).toHaveLength(1);
    return { code, doc: JSON.parse(c.out[0]!) as CoverageDoc };
  };

  it('with no policy every account is uncovered: exit 1, each with its reason', async () => {
    const { code, doc } = await coverage();
    expect(code).toBe(1);
    expect(doc.accounts.map((a) => [a.accountId, a.covered])).toEqual([
      [A, false],
      [B, false],
    ]);
    expect(doc.accounts[0]!.reason).toMatch(/no policy names its role/);
  });

  it('a policy whose source is A’s role covers A (named with its workload); B is not covered, with a reason; exit 1', async () => {
    world.veeam.state.policies.set(POLICIES, [
      {
        id: 'c1d2e3f4-0000-4000-8000-000000000001',
        name: 'ec2-daily',
        identity: { id: entryOfA, type: 'IAMRole', awsId: A, name: `${A}-backup` },
        isEnabled: true,
        lastPolicySessionStatus: 'Succeeded',
      },
    ]);
    const { code, doc } = await coverage();
    expect(code).toBe(1);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.command).toBe('coverage');
    expect(doc.accounts.find((a) => a.accountId === A)).toEqual({
      accountId: A,
      covered: true,
      policies: [{ name: 'ec2-daily', workload: 'EC2', enabled: true }],
      reason: null,
    });
    expect(doc.accounts.find((a) => a.accountId === B)).toMatchObject({
      covered: false,
      policies: [],
      reason: expect.stringMatching(/no policy names its role/),
    });
    expect(doc.totals).toMatchObject({ inScope: 2, covered: 1, notCovered: 1 });
    // A collection this revision does not have is skipped and named, not read as empty.
    expect(doc.skippedCollections.map((c) => c.path)).toContain('/api/v1/redshiftServerless/policies');
  });

  it('once the policy is disabled, A is not covered either: only disabled policies', async () => {
    world.veeam.state.policies.get(POLICIES)![0]!.isEnabled = false;
    const { code, doc } = await coverage();
    expect(code).toBe(1);
    expect(doc.accounts.find((a) => a.accountId === A)).toMatchObject({
      covered: false,
      policies: [{ name: 'ec2-daily', workload: 'EC2', enabled: false }],
      reason: 'only disabled policies: ec2-daily',
    });
  });

  it('an organization policy that excludes nobody covers both: exit 0; the text names each row', async () => {
    world.veeam.state.policies.set('/api/v1/rds/policies', [
      {
        id: 'org-1',
        name: 'rds-org',
        identity: { id: 'org-entry', type: 'Organization' },
        organizationSettings: {},
        isEnabled: true,
      },
    ]);
    const { code, doc } = await coverage();
    expect(code).toBe(0);
    expect(doc.totals).toMatchObject({ covered: 2, notCovered: 0 });
    const c = cli();
    expect(await runCli(['coverage'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(new RegExp(`${A}\\s+covered\\s+ec2-daily \\(EC2, disabled\\), rds-org \\(RDS\\)`));
    world.veeam.state.policies.delete('/api/v1/rds/policies');
  });

  it('--stack is refused (coverage reads the appliance in-process): exit 2', async () => {
    const c = cli();
    expect(await runCli(['coverage', '--stack', 'prod'], c.io)).toBe(2);
  });

  it('the scheduled reconcile publishes Account Not Covered once per change, not every run', async () => {
    const notCovered = () => world.eventBus.events.filter((e) => e.detailType === 'Account Not Covered');
    const before = notCovered().length;
    await world.invokeReconcile({ dryRun: false });
    await world.drain();
    const first = notCovered().slice(before);
    expect(first.map((e) => e.detail.accountId).sort()).toEqual([A, B]);
    await world.invokeReconcile({ dryRun: false });
    await world.drain();
    expect(notCovered().length).toBe(before + 2);
    // A covered again, then uncovered again: announced again.
    world.veeam.state.policies.get(POLICIES)![0]!.isEnabled = true;
    await world.invokeReconcile({ dryRun: false });
    world.veeam.state.policies.get(POLICIES)![0]!.isEnabled = false;
    await world.invokeReconcile({ dryRun: false });
    expect(
      notCovered()
        .slice(before + 2)
        .map((e) => [e.detail.accountId, e.detail.reason]),
    ).toEqual([[A, 'only disabled policies: ec2-daily']]);
  });
});
