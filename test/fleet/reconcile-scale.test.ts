import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { loadConfig } from '../../lib/config';
import type { Deps } from '../../lib/deps';
import { AwsOrganization } from '../../lib/organizations/aws-organization';
import type { AccountRequest } from '../../lib/queue/types';
import { enqueueForWorker, reconcile } from '../../lib/fleet/reconcile';
import { blueprints } from '../../lib/roles/blueprints';
import { createVeeamClient } from '../../lib/veeam/client';
import { entryDescription } from '../../lib/registration';
import { buildOrg, type BuiltOrg } from '../../sim/aws/organizations-fake';
import { DEFAULT_SIM_USER, startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';

const ACCOUNTS = 10_000;
const APPLIANCE = 'arn:aws:iam::100000000000:role/VeeamApplianceImpersonation';
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

describe('reconcile of a 10,000-account organization', () => {
  let sim: VeeamSimulator;
  let built: BuiltOrg;
  afterAll(async () => {
    built?.fake.restore();
    await sim?.stop();
  });

  it('plans every account correctly with one Veeam login and bounded memory, then fans out one message per account', async () => {
    const t0 = Date.now();
    // The real client over HTTPS with its default page size (500): the listing is 38 pages, all on one login.
    sim = await startVeeamSimulator();
    const client = new OrganizationsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'FAKE100000000000', secretAccessKey: 'x' },
    });
    built = buildOrg({ accounts: ACCOUNTS, ousDepth: 2, ousPerLevel: 3, client });
    const { fake, ouLevels, accountId } = built;

    // 0..8999 registered (both roles), 9000..9499 half, 9500..9999 not at all; 30 registered ones suspended;
    // 200 accounts that left the organization still registered; 100 entries that are not ours.
    const issued = new Date('2026-09-01T00:00:00Z');
    const add = (acct: string, key: 'backup' | 'worker', owned = true) => {
      const roleName = key === 'backup' ? 'VeeamBackupRole' : 'VeeamWorkerRole';
      sim.state.addEntry({
        name: `${acct}-${key}`,
        accountId: acct,
        roleName,
        externalId: `x-${acct}`,
        description: owned ? entryDescription(roleName, `x-${acct}`, issued, 'veeam-org-sync') : 'hand made',
      });
    };
    for (let i = 0; i < 9500; i++) {
      add(accountId(i), 'backup');
      if (i < 9000) add(accountId(i), 'worker');
    }
    for (let i = 0; i < 200; i++) add(String(200000000000 + i), 'backup');
    for (let i = 0; i < 100; i++) add(String(300000000000 + i), 'worker', false);
    for (let i = 0; i < 30; i++) fake.suspend(accountId(i * 7));
    const setupMs = Date.now() - t0;

    const config = loadConfig({
      VEEAM_URL: sim.url,
      VEEAM_SECRET_ID: 'veeam-org-sync/appliance-admin',
      VEEAM_CERT_SHA256: sim.certSha256,
      VEEAM_PRINCIPAL_ARN: APPLIANCE,
      SCOPE_OU_IDS: ouLevels[0]!.join(','),
      OFFBOARD_MODE: 'unregister',
      // 230 planned departures: above the default guard of 5 the run would hold them all (test/fleet/offboard-guard).
      OFFBOARD_MAX_PER_RUN: '1000',
    });
    const veeam = createVeeamClient({
      config,
      secrets: { veeamCredentials: () => Promise.resolve({ ...DEFAULT_SIM_USER }) },
      sessionCache: new Map(),
    });
    const sent: AccountRequest[] = [];
    const deps: Deps = {
      config,
      blueprints: blueprints(config),
      org: new AwsOrganization({ client }),
      member: { roles: () => Promise.reject(new Error('planning must not touch member accounts')) },
      veeam: () => Promise.resolve(veeam),
      queue: { send: (reqs) => Promise.resolve(void sent.push(...reqs)) },
      now: () => new Date(),
      sleep: () => Promise.resolve(),
    };

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const before = heap();
    const t1 = Date.now();
    const dry = await reconcile(deps, { dryRun: true, dispatcher: enqueueForWorker() });
    const planMs = Date.now() - t1;
    const afterPlan = heap();
    const real = await reconcile(deps, { dryRun: false, dispatcher: enqueueForWorker() });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const growth = (afterPlan - before) / MB;
    const peakGrowth = (peak - before) / MB;
    console.log(
      `10,000 accounts (${fake.accountCount} in the organization, ${sim.state.entries.size} Veeam entries, set up in ${setupMs} ms): plan in ${planMs} ms; heap growth after the plan ${growth.toFixed(1)} MB, peak growth ${peakGrowth.toFixed(1)} MB ` +
        `(gc ${gc ? 'exposed' : 'not exposed: uncollected garbage counts'}); Veeam logins ${sim.state.counters.logins}, ` +
        `list pages ${sim.state.count('GET /api/v1/accounts/amazon')}; Organizations calls ${fake.totalCalls} ${JSON.stringify(fake.calls)}; total ${Date.now() - t0} ms`,
    );

    expect(dry.totals).toEqual({ ok: 9000 - 30, register: 1000, offboard: 30 + 200 });
    expect(dry.accounts).toHaveLength(ACCOUNTS + 200);
    expect(dry.enqueued).toBe(0);
    expect(dry.notProtected).toHaveLength(1000 + 230);
    expect(dry.notProtected.find((n) => n.accountId === accountId(7))?.reason).toMatch(/SUSPENDED/);
    expect(dry.notProtected.find((n) => n.accountId === '200000000000')?.reason).toBeTruthy();
    // Foreign entries are never offboard candidates.
    expect(dry.accounts.some((a) => a.accountId.startsWith('3000000'))).toBe(false);

    expect(real.enqueued).toBe(ACCOUNTS + 200);
    expect(sent).toHaveLength(ACCOUNTS + 200);
    expect(new Set(sent.map((r) => r.accountId)).size).toBe(ACCOUNTS + 200);
    expect(sent.every((r) => r.action === 'sync' && r.reason === 'reconcile')).toBe(true);

    expect(sim.state.counters.logins).toBe(1);
    expect(dry.veeamLogins).toBe(1);
    // The second run in the same warm container reuses the token: no login of its own.
    expect(real.veeamLogins).toBe(0);
    // Nothing per account in Organizations: pages of the scope plus one lookup for each departed account.
    expect(fake.calls.DescribeAccount).toBeLessThanOrEqual(2 * 200 + 2);
    // One paged listing per run (the second run reuses the token): 18,800 entries in pages of 500.
    expect(sim.state.count('GET /api/v1/accounts/amazon')).toBe(2 * Math.ceil(sim.state.entries.size / 500));
    expect(sim.state.writes()).toBe(0);
    expect(peakGrowth).toBeLessThan(256);
  });
});
