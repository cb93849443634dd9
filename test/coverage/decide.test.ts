import { coverageTotals, decideCoverage, needsAncestors } from '../../lib/coverage/decide';
import type { CoveragePolicy } from '../../lib/coverage/policy';

const A = '222233334444';
const B = '555566667777';
const OU_A = 'ou-ab12-22222222';
const OU_B = 'ou-ab12-33333333';
const ROOT = 'r-ab12';
const accounts = [
  { accountId: A, ancestors: [OU_A, ROOT] },
  { accountId: B, ancestors: [OU_B, ROOT] },
];
const entryAccounts = new Map([
  ['entry-a', A],
  ['entry-b', B],
]);
const role = (name: string, entryId: string, enabled = true, extra: Partial<CoveragePolicy> = {}): CoveragePolicy => ({
  id: name,
  name,
  workload: 'EC2',
  enabled,
  source: { kind: 'role', entryId },
  ...extra,
});
const org = (
  name: string,
  source: Partial<Extract<CoveragePolicy['source'], { kind: 'organization' }>>,
  enabled = true,
): CoveragePolicy => ({
  id: name,
  name,
  workload: 'RDS',
  enabled,
  source: { kind: 'organization', excluded: [], ...source },
});
const decide = (policies: CoveragePolicy[]) => decideCoverage({ accounts, policies, entryAccounts });

describe('coverage decisions', () => {
  it('an enabled policy on the account’s role covers it; the other account names the reason', () => {
    const [a, b] = decide([role('daily', 'entry-a')]);
    expect(a).toEqual({ accountId: A, covered: true, policies: [{ name: 'daily', workload: 'EC2', enabled: true }] });
    expect(b).toMatchObject({
      accountId: B,
      covered: false,
      policies: [],
      reason: expect.stringMatching(/no policy names its role/),
    });
  });

  it('only disabled policies do not cover, and say so', () => {
    const [a] = decide([role('daily', 'entry-a', false)]);
    expect(a).toMatchObject({ covered: false, reason: 'only disabled policies: daily' });
    expect(a!.policies).toEqual([{ name: 'daily', workload: 'EC2', enabled: false }]);
  });

  it('a whole-organization policy covers every account unless it excludes the account or an OU above it', () => {
    const [a, b] = decide([org('all', { excluded: [OU_B] })]);
    expect(a!.covered).toBe(true);
    expect(b).toMatchObject({ covered: false, reason: 'excluded by "all"' });
    const [, b2] = decide([org('all', { excluded: [B] })]);
    expect(b2!.reason).toBe('excluded by "all"');
  });

  it('an OU scope covers only the accounts beneath it', () => {
    const [a, b] = decide([org('ou-a', { underIds: [OU_A] })]);
    expect(a!.covered).toBe(true);
    expect(b).toMatchObject({ covered: false, reason: expect.stringMatching(/outside every organization scope/) });
  });

  it('a limited scope whose members the policy does not list is not counted as covering, and says why', () => {
    const [a] = decide([org('scoped', { limitedScopeId: 'scope-1' })]);
    expect(a).toMatchObject({ covered: false, reason: expect.stringMatching(/limited scope scope-1/) });
  });

  it('a policy whose last session failed still covers, and is flagged; totals count it', () => {
    const policies = [role('daily', 'entry-a', true, { lastSessionStatus: 'Failed' })];
    const decided = decide(policies);
    expect(decided[0]!.policies[0]).toMatchObject({ lastSessionFailed: true });
    expect(coverageTotals(decided, policies)).toEqual({
      inScope: 2,
      covered: 1,
      notCovered: 1,
      policies: 1,
      failedPolicies: 1,
    });
  });

  it('asks Organizations for OU paths only when a policy scopes or excludes by OU', () => {
    expect(needsAncestors([role('daily', 'entry-a'), org('all', { excluded: [B] })])).toBe(false);
    expect(needsAncestors([org('all', { excluded: [OU_B] })])).toBe(true);
  });
});
