import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsOrganization } from '../../lib/organizations/aws-organization';
import { scopeOf } from '../../lib/organizations/scope';
import type { ScopeConfig } from '../../lib/organizations/scope';
import { planReconcile } from '../../lib/fleet/plan-reconcile';
import type { PlanInput, ReconcilePlan } from '../../lib/fleet/plan-reconcile';
import type { VeeamEntry } from '../../lib/veeam/types';
import type { Owner } from '../../lib/ownership';
import { OrganizationsFake } from '../../sim/aws/organizations-fake';

const ROOT = 'r-ab12';
const PROD = 'ou-ab12-prod0000';
const SANDBOX = 'ou-ab12-sand0000';
const BLUEPRINTS = [
  { key: 'backup', roleName: 'VeeamBackupRole' },
  { key: 'worker', roleName: 'VeeamWorkerRole' },
];
// The real marker belongs to the registration module; the plan only needs to know whose an entry is.
const MARK = 'managed by veeam-org-sync';
const LEGACY = 'managed before installation ids';
const owner = (e: VeeamEntry): Owner =>
  e.description?.startsWith(MARK)
    ? { kind: 'ours' }
    : e.description === LEGACY
      ? { kind: 'legacy' }
      : e.description?.startsWith('team-')
        ? { kind: 'other', installationId: e.description }
        : { kind: 'none' };

let seq = 0;
function entry(accountId: string, roleName: string, owned = true): VeeamEntry {
  return {
    id: `e-${seq++}`,
    name: `${accountId}-${roleName}`,
    description: owned ? MARK : 'added by hand',
    accountId,
    roleName,
  };
}
const both = (accountId: string): VeeamEntry[] => BLUEPRINTS.map((bp) => entry(accountId, bp.roleName));

let fake: OrganizationsFake;
let org: AwsOrganization;
const ids: Record<string, string> = {};
const config: ScopeConfig = { scopeOuIds: [PROD], excludedAccountIds: new Set(), includeManagementAccount: false };
let entries: VeeamEntry[];

beforeEach(() => {
  fake = new OrganizationsFake({ rootId: ROOT, pageSize: 2 });
  fake.createAccount({ id: fake.managementAccountId, name: 'management' });
  fake.createOu(ROOT, PROD);
  fake.createOu(ROOT, SANDBOX);
  for (const name of [
    'full',
    'half',
    'none',
    'suspended',
    'excluded',
    'idle',
    'movedOut',
    'foreignOnly',
    'left',
    'clash',
  ]) {
    ids[name] = fake.createAccount({ name, parentId: PROD });
  }
  fake.suspend(ids.suspended!);
  fake.suspend(ids.idle!);
  fake.moveAccount(ids.movedOut!, SANDBOX);
  fake.moveAccount(ids.foreignOnly!, SANDBOX);
  fake.removeAccount(ids.left!);
  config.excludedAccountIds = new Set([ids.excluded!]);
  entries = [
    ...both(ids.full!),
    entry(ids.half!, 'VeeamBackupRole'),
    ...both(ids.suspended!),
    ...both(ids.excluded!),
    ...both(ids.movedOut!),
    entry(ids.foreignOnly!, 'VeeamBackupRole', false),
    ...both(ids.left!),
    entry(ids.clash!, 'VeeamWorkerRole'),
    entry(ids.clash!, 'VeeamBackupRole', false),
    // Entries of other kinds carry no account id.
    { id: 'e-other', name: 'other', description: MARK, accountId: '', roleName: '' },
  ];
  org = new AwsOrganization({ client: new OrganizationsClient({}) });
});
afterEach(() => fake.restore());

function plan(extra: Partial<PlanInput> = {}): Promise<ReconcilePlan> {
  return planReconcile({
    desired: org.listAccountsUnder(config.scopeOuIds),
    config,
    entries,
    blueprints: BLUEPRINTS,
    owner,
    ...extra,
  });
}
const byId = (p: ReconcilePlan) => new Map(p.accounts.map((a) => [a.accountId, a]));

/** The plan with no OU set (the whole organization in scope), by account. */
const planWholeOrganization = async (o: { includeManagementAccount: boolean }) =>
  byId(
    await planReconcile({
      desired: org.listAccountsUnder([]),
      config: { scopeOuIds: [], excludedAccountIds: new Set(), ...o },
      entries,
      blueprints: BLUEPRINTS,
      owner,
      managementAccountId: fake.managementAccountId,
    }),
  );

describe('planReconcile', () => {
  it('classifies every account under the scope and every account we registered', async () => {
    const p = byId(await plan());
    expect(p.get(ids.full!)).toMatchObject({ action: 'ok' });
    expect(p.get(ids.half!)).toMatchObject({ action: 'register', missing: ['worker'] });
    expect(p.get(ids.none!)).toMatchObject({
      action: 'register',
      missing: ['backup', 'worker'],
      reason: 'not registered: backup (VeeamBackupRole), worker (VeeamWorkerRole)',
    });
    expect(p.get(ids.suspended!)).toEqual({
      accountId: ids.suspended,
      action: 'offboard',
      reason: 'account is SUSPENDED',
    });
    expect(p.get(ids.excluded!)).toEqual({
      accountId: ids.excluded,
      action: 'offboard',
      reason: 'excluded by EXCLUDED_ACCOUNT_IDS',
    });
    expect(p.get(ids.idle!)).toEqual({ accountId: ids.idle, action: 'skip', reason: 'account is SUSPENDED' });
    expect(p.get(ids.movedOut!)).toMatchObject({
      action: 'offboard',
      reason: 'not under SCOPE_OU_IDS (moved out or left the organization)',
    });
    expect(p.get(ids.left!)).toMatchObject({ action: 'offboard' });
    expect(p.has(fake.managementAccountId)).toBe(false);
  });

  it('never offboards an entry it does not own, and flags the clash when registering', async () => {
    const p = byId(await plan());
    expect(p.has(ids.foreignOnly!)).toBe(false);
    expect(p.get(ids.clash!)).toMatchObject({ action: 'register', missing: ['backup'], foreign: ['backup'] });
    expect(p.get(ids.clash!)?.reason).toContain('an entry we do not own already uses the role of: backup');
  });

  it('counts the actions', async () => {
    const p = await plan();
    expect(p.totals).toEqual({ ok: 1, register: 3, offboard: 4, skip: 1 });
    expect(p.scanned).toBe(7);
  });

  it('explains accounts that moved out or left with the scope rule when asked', async () => {
    const p = byId(await plan({ explainOutOfScope: async (id) => (await scopeOf(org, config, id)).reason }));
    expect(p.get(ids.movedOut!)?.reason).toBe(`outside SCOPE_OU_IDS (parents: ${SANDBOX}, ${ROOT})`);
    expect(p.get(ids.left!)?.reason).toBe('not a member of the organization');
  });

  it('keeps the plan when an explanation lookup fails', async () => {
    const p = byId(await plan({ explainOutOfScope: () => Promise.reject(new Error('throttled')) }));
    expect(p.get(ids.left!)).toMatchObject({
      action: 'offboard',
      reason: expect.stringContaining('lookup failed: throttled'),
    });
  });

  it('limits the plan to the accounts asked for and says why one is left alone', async () => {
    const p = await plan({ onlyAccountIds: new Set([ids.half!, ids.movedOut!, ids.foreignOnly!]) });
    expect(p.accounts.map((a) => [a.accountId, a.action])).toEqual([
      [ids.half, 'register'],
      [ids.movedOut, 'offboard'],
      [ids.foreignOnly, 'skip'],
    ]);
  });

  it('treats every account of the organization as the scope when no OU is set', async () => {
    const p = await planWholeOrganization({ includeManagementAccount: true });
    expect(p.get(fake.managementAccountId)).toMatchObject({ action: 'register' });
    expect(p.get(ids.movedOut!)).toMatchObject({ action: 'ok' });
    expect(p.get(ids.left!)).toMatchObject({ action: 'offboard', reason: 'not a member of the organization' });
  });

  it('leaves the management account out by default, with the reason', async () => {
    const p = await planWholeOrganization({ includeManagementAccount: false });
    expect(p.get(fake.managementAccountId)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/^management account: out of scope unless INCLUDE_MANAGEMENT_ACCOUNT=true/),
    });
  });

  it("plans offboarding only for this installation's entries: never another's, never those written before ids", async () => {
    const theirs = (id: string) => BLUEPRINTS.map((bp) => ({ ...entry(id, bp.roleName), description: 'team-b' }));
    const legacy = (id: string) => BLUEPRINTS.map((bp) => ({ ...entry(id, bp.roleName), description: LEGACY }));
    const theirsOut = fake.createAccount({ parentId: SANDBOX });
    const legacyOut = fake.createAccount({ parentId: SANDBOX });
    const legacyIn = fake.createAccount({ parentId: PROD });
    const theirsIn = fake.createAccount({ parentId: PROD });
    entries = [...theirs(theirsOut), ...legacy(legacyOut), ...legacy(legacyIn), ...theirs(theirsIn)];
    const p = byId(await plan({ explainOutOfScope: () => Promise.resolve('moved out') }));
    // Out of scope: another installation's accounts are not even looked at; legacy ones are never offboarded.
    expect(p.has(theirsOut)).toBe(false);
    expect(p.has(legacyOut)).toBe(false);
    // In scope: legacy entries are adopted (ok), another installation's block registration and say whose they are.
    expect(p.get(legacyIn)).toMatchObject({ action: 'ok', reason: expect.stringMatching(/adopts entries written/) });
    expect(p.get(theirsIn)).toMatchObject({
      action: 'register',
      foreign: ['backup', 'worker'],
      reason: expect.stringMatching(/backup \(owned by installation team-b\)/),
    });
  });
});
