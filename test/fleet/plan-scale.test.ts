import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsOrganization } from '../../lib/organizations/aws-organization';
import { planReconcile } from '../../lib/fleet/plan-reconcile';
import type { VeeamEntry } from '../../lib/veeam/types';
import { buildOrg } from '../../sim/aws/organizations-fake';
import type { BuiltOrg } from '../../sim/aws/organizations-fake';

const ACCOUNTS = 10_000;
const BLUEPRINTS = [
  { key: 'backup', roleName: 'VeeamBackupRole' },
  { key: 'worker', roleName: 'VeeamWorkerRole' },
];
const MARK = 'managed by veeam-org-sync';

const gc = (globalThis as { gc?: () => void }).gc;
/** With --expose-gc the growth is what the plan keeps; without it, garbage not yet collected counts too. */
const HEAP_BOUND_MB = gc ? 64 : 200;
function heapUsed(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

describe('planning a 10,000-account organization', () => {
  let built: BuiltOrg;
  afterAll(() => built.fake.restore());

  it('plans every account with paged reads and bounded memory', async () => {
    built = buildOrg({ accounts: ACCOUNTS, ousDepth: 3, ousPerLevel: 3 });
    const { fake, ouLevels, accountId } = built;
    // Members 0..8999 fully registered, 9000..9499 half, the rest not at all; 200 departed accounts still
    // registered; 100 foreign entries for departed accounts.
    const entries: VeeamEntry[] = [];
    const add = (acct: string, roleName: string, owned: boolean): void => {
      entries.push({
        id: `e-${entries.length}`,
        name: `${acct}-${roleName}`,
        description: owned ? MARK : null,
        accountId: acct,
        roleName,
      });
    };
    for (let i = 0; i < 9500; i++) {
      add(accountId(i), 'VeeamBackupRole', true);
      if (i < 9000) add(accountId(i), 'VeeamWorkerRole', true);
    }
    for (let i = 0; i < 200; i++) add(String(200000000000 + i), 'VeeamBackupRole', true);
    for (let i = 0; i < 100; i++) add(String(300000000000 + i), 'VeeamBackupRole', false);
    for (let i = 0; i < 30; i++) fake.suspend(accountId(i * 7));
    for (let i = 9990; i < ACCOUNTS; i++) fake.suspend(accountId(i));

    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    const config = {
      scopeOuIds: ouLevels[0]!,
      excludedAccountIds: new Set([accountId(1)]),
      includeManagementAccount: false,
    };
    const before = heapUsed();
    const plan = await planReconcile({
      desired: org.listAccountsUnder(config.scopeOuIds),
      config,
      entries,
      blueprints: BLUEPRINTS,
      owner: (e) => (e.description === MARK ? { kind: 'ours' } : { kind: 'none' }),
    });
    const growthMb = (heapUsed() - before) / 1024 / 1024;

    console.log(
      `10,000 accounts planned with ${fake.totalCalls} Organizations calls (${JSON.stringify(fake.calls)}); heap growth ${growthMb.toFixed(1)} MB`,
    );

    expect(plan.scanned).toBe(ACCOUNTS);
    // Registered and now suspended (30) or excluded (1): offboard. Never registered and suspended (10): skip.
    expect(plan.totals).toEqual({ ok: 9000 - 31, register: 500 + 490, offboard: 200 + 31, skip: 10 });
    expect(plan.accounts).toHaveLength(ACCOUNTS + 200);
    // 20 accounts a page on 27 leaf OUs, plus one OU listing per OU: nothing per account.
    expect(fake.totalCalls).toBeLessThan(ACCOUNTS / 20 + 27 + 2 * 40);
    expect(fake.calls.DescribeAccount + fake.calls.ListParents).toBe(0);
    expect(growthMb).toBeLessThan(HEAP_BOUND_MB);
  });
});
