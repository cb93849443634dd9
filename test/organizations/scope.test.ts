import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsOrganization } from '../../lib/organizations/aws-organization';
import { decideScope, MANAGEMENT_ACCOUNT_EXCLUDED, scopeOf } from '../../lib/organizations/scope';
import type { ScopeConfig } from '../../lib/organizations/scope';
import type { OrgAccount } from '../../lib/organizations/types';
import { OrganizationsFake } from '../../sim/aws/organizations-fake';

const MGMT = '100000000000';
const ROOT = 'r-ab12';
const PROD = 'ou-ab12-prod0000';
const TEAM = 'ou-ab12-team0000';
const SANDBOX = 'ou-ab12-sand0000';

const cfg = (scopeOuIds: string[], excluded: string[] = [], includeManagementAccount = true): ScopeConfig => ({
  scopeOuIds,
  excludedAccountIds: new Set(excluded),
  includeManagementAccount,
});
const active = (id: string): OrgAccount => ({ id, name: id, status: 'ACTIVE' });

describe('decideScope', () => {
  it('puts an account in a nested OU in scope through any scoped ancestor', () => {
    const d = decideScope({
      config: cfg([PROD]),
      account: active('111111111111'),
      ancestors: [TEAM, PROD, ROOT],
      managementAccountId: MGMT,
    });
    expect(d).toEqual({ inScope: true, reason: `in scope (under ${PROD})` });
  });

  it('keeps an account outside the scoped OUs out and names where it is', () => {
    const d = decideScope({
      config: cfg([PROD]),
      account: active('111111111111'),
      ancestors: [SANDBOX, ROOT],
      managementAccountId: MGMT,
    });
    expect(d).toEqual({ inScope: false, reason: `outside SCOPE_OU_IDS (parents: ${SANDBOX}, ${ROOT})` });
  });

  it('takes every ACTIVE account when no OU is scoped', () => {
    expect(
      decideScope({ config: cfg([]), account: active('111111111111'), ancestors: [], managementAccountId: MGMT }),
    ).toEqual({
      inScope: true,
      reason: 'in scope (whole organization)',
    });
  });

  it('lets an exclusion win over scope, also for the management account', () => {
    expect(
      decideScope({
        config: cfg([], ['111111111111']),
        account: active('111111111111'),
        ancestors: [],
        managementAccountId: MGMT,
      }),
    ).toEqual({
      inScope: false,
      reason: 'excluded by EXCLUDED_ACCOUNT_IDS',
    });
    expect(
      decideScope({ config: cfg([ROOT], [MGMT]), account: active(MGMT), ancestors: [ROOT], managementAccountId: MGMT })
        .inScope,
    ).toBe(false);
  });

  it('gives the management account its own reason even when EXCLUDED_ACCOUNT_IDS names it too (offboarding leaves its roles alone on that reason)', () => {
    expect(
      decideScope({
        config: cfg([ROOT], [MGMT], false),
        account: active(MGMT),
        ancestors: [ROOT],
        managementAccountId: MGMT,
      }),
    ).toEqual({ inScope: false, reason: MANAGEMENT_ACCOUNT_EXCLUDED });
  });

  it.each(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'])('keeps a %s account out', (status) => {
    const d = decideScope({
      config: cfg([]),
      account: { id: '111111111111', name: 'x', status },
      ancestors: [],
      managementAccountId: MGMT,
    });
    expect(d).toEqual({ inScope: false, reason: `account is ${status}` });
  });

  it('says so when the account is not a member', () => {
    expect(decideScope({ config: cfg([]), account: undefined, ancestors: [], managementAccountId: MGMT })).toEqual({
      inScope: false,
      reason: 'not a member of the organization',
    });
  });

  it('includes the management account only when the root (or the whole org) is in scope', () => {
    const mgmt = active(MGMT);
    expect(decideScope({ config: cfg([ROOT]), account: mgmt, ancestors: [ROOT], managementAccountId: MGMT })).toEqual({
      inScope: true,
      reason: `in scope (under ${ROOT}, management account included by INCLUDE_MANAGEMENT_ACCOUNT)`,
    });
    expect(decideScope({ config: cfg([]), account: mgmt, ancestors: [], managementAccountId: MGMT }).inScope).toBe(
      true,
    );
    expect(decideScope({ config: cfg([PROD]), account: mgmt, ancestors: [ROOT], managementAccountId: MGMT })).toEqual({
      inScope: false,
      reason: `outside SCOPE_OU_IDS (parents: ${ROOT}), management account`,
    });
  });
});

describe('scopeOf over Organizations', () => {
  let fake: OrganizationsFake;
  let org: AwsOrganization;
  beforeEach(() => {
    fake = new OrganizationsFake({ rootId: ROOT, managementAccountId: MGMT });
    fake.createAccount({ id: MGMT, name: 'management' });
    fake.createOu(ROOT, PROD);
    fake.createOu(PROD, TEAM);
    fake.createOu(ROOT, SANDBOX);
    org = new AwsOrganization({ client: new OrganizationsClient({}) });
  });
  afterEach(() => fake.restore());

  it('follows an account as it moves out of and back into a scoped OU', async () => {
    const id = fake.createAccount({ parentId: TEAM });
    expect(await scopeOf(org, cfg([PROD]), id)).toMatchObject({ inScope: true, reason: `in scope (under ${PROD})` });
    fake.moveAccount(id, SANDBOX);
    expect(await scopeOf(org, cfg([PROD]), id)).toMatchObject({
      inScope: false,
      reason: `outside SCOPE_OU_IDS (parents: ${SANDBOX}, ${ROOT})`,
    });
    fake.moveAccount(id, TEAM);
    expect(await scopeOf(org, cfg([PROD]), id)).toMatchObject({ inScope: true });
  });

  it('reports accounts that left, were suspended or closed', async () => {
    const gone = fake.createAccount({ parentId: PROD });
    const suspended = fake.createAccount({ parentId: PROD });
    const closed = fake.createAccount({ parentId: PROD });
    fake.removeAccount(gone);
    fake.suspend(suspended);
    fake.close(closed);
    expect(await scopeOf(org, cfg([PROD]), gone)).toMatchObject({
      inScope: false,
      reason: 'not a member of the organization',
      account: undefined,
    });
    expect(await scopeOf(org, cfg([PROD]), suspended)).toMatchObject({
      inScope: false,
      reason: 'account is SUSPENDED',
    });
    expect(await scopeOf(org, cfg([PROD]), closed)).toMatchObject({ inScope: false, reason: 'account is CLOSED' });
  });

  it('does not walk the OU tree when the answer cannot depend on it (whole organization, excluded account)', async () => {
    const id = fake.createAccount({ parentId: TEAM });
    await scopeOf(org, cfg([]), id);
    await scopeOf(org, cfg([PROD], [id]), id);
    expect(fake.calls.ListParents).toBe(0);
  });

  it('with SCOPE_OU_IDS, asks for the account and its parent chain at once (one round trip), even if it is suspended', async () => {
    const id = fake.createAccount({ parentId: TEAM });
    fake.suspend(id);
    expect(await scopeOf(org, cfg([PROD]), id)).toMatchObject({ inScope: false, reason: 'account is SUSPENDED' });
    expect(fake.calls.ListParents).toBeGreaterThan(0);
  });

  it('decides the management account from where it sits', async () => {
    expect(await scopeOf(org, cfg([ROOT]), MGMT)).toMatchObject({ inScope: true });
    expect(await scopeOf(org, cfg([PROD]), MGMT)).toMatchObject({ inScope: false });
  });

  it('leaves the management account out by default, saying which setting brings it in', async () => {
    for (const scope of [[], [ROOT]])
      expect(await scopeOf(org, cfg(scope, [], false), MGMT)).toMatchObject({
        inScope: false,
        reason:
          'management account: out of scope unless INCLUDE_MANAGEMENT_ACCOUNT=true (stack parameter includeManagementAccount)',
      });
  });

  it('stops with a configuration error naming a SCOPE_OU_IDS entry that is not in the organization', async () => {
    const id = fake.createAccount({ parentId: PROD });
    const gone = fake.createOu(ROOT, 'ou-ab12-gone0000');
    fake.deleteOu(gone);
    const err = await scopeOf(org, cfg([PROD, gone, 'r-zz99']), id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ConfigError', retryable: false });
    expect((err as Error).message).toMatch(/SCOPE_OU_IDS contains "ou-ab12-gone0000", which is not a root or OU/);
    expect((err as Error).message).toMatch(/SCOPE_OU_IDS contains "r-zz99"/);
    // The fix, and that nothing was changed.
    expect((err as Error).message).toMatch(/Fix the stack parameter scopeOuIds \(or SCOPE_OU_IDS for the CLI\)/);
    expect((err as Error).message).toMatch(/nothing was changed\.$/);
    expect((err as Error).message).not.toMatch(new RegExp(PROD));
    expect(fake.calls).toMatchObject({ DescribeOrganizationalUnit: 2, ListRoots: 1 });
    // Existing ones are remembered: the check costs nothing on a warm container.
    await scopeOf(org, cfg([PROD, ROOT]), id);
    expect(fake.calls).toMatchObject({ DescribeOrganizationalUnit: 2, ListRoots: 1 });
    await scopeOf(org, cfg([PROD, ROOT]), id);
    expect(fake.calls).toMatchObject({ DescribeOrganizationalUnit: 2, ListRoots: 1 });
  });
});
