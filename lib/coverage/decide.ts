import type { CoveragePolicy } from './policy';

export interface CoverageAccount {
  accountId: string;
  /** Parent chain (direct parent first, root last); needed only for OU scopes and OU exclusions. */
  ancestors?: readonly string[];
}

export interface AccountPolicy {
  name: string;
  workload: string;
  enabled: boolean;
  /** The policy's last session failed: it covers the account on paper, and a person should look. */
  lastSessionFailed?: boolean;
}

export interface AccountCoverage {
  accountId: string;
  covered: boolean;
  /** The policies whose source includes the account (enabled or not). */
  policies: AccountPolicy[];
  /** Why the account is not covered; absent when covered. */
  reason?: string;
}

export interface CoverageInput {
  accounts: CoverageAccount[];
  policies: CoveragePolicy[];
  /** Entry id → the AWS account its role is in (the appliance's IAM-role entries). */
  entryAccounts: ReadonlyMap<string, string>;
}

const failed = (p: CoveragePolicy) => (p.lastSessionStatus ?? '').toLowerCase() === 'failed';

type Match = { kind: 'includes' } | { kind: 'excluded' } | { kind: 'outside'; why: string } | { kind: 'none' };

/** Does the policy's source include the account? Pure. */
export function matchPolicy(p: CoveragePolicy, a: CoverageAccount, entryAccounts: ReadonlyMap<string, string>): Match {
  const s = p.source;
  if (s.kind === 'role') {
    const account = entryAccounts.get(s.entryId) ?? s.awsAccountId;
    return account === a.accountId ? { kind: 'includes' } : { kind: 'none' };
  }
  if (s.kind !== 'organization') return { kind: 'none' };
  const path = [a.accountId, ...(a.ancestors ?? [])];
  if (s.underIds && !s.underIds.some((id) => path.includes(id)))
    return { kind: 'outside', why: `outside the scope of organization policy "${p.name}"` };
  if (!s.underIds && s.limitedScopeId)
    return {
      kind: 'outside',
      why: `organization policy "${p.name}" uses limited scope ${s.limitedScopeId}, whose members the policy does not list; check it in the console`,
    };
  if (s.excluded.some((id) => path.includes(id))) return { kind: 'excluded' };
  return { kind: 'includes' };
}

/**
 * An account in scope is covered when an enabled policy's source is its role, or an organization scope that
 * contains it and does not exclude it. Otherwise the reason, most specific first: only disabled policies, excluded,
 * outside every organization scope, no policy names its role. Pure.
 */
export function decideCoverage(input: CoverageInput): AccountCoverage[] {
  return input.accounts.map((a) => {
    const policies: AccountPolicy[] = [];
    const excludedBy: string[] = [];
    const outside: string[] = [];
    let covered = false;
    for (const p of input.policies) {
      const m = matchPolicy(p, a, input.entryAccounts);
      if (m.kind === 'excluded') excludedBy.push(p.name);
      if (m.kind === 'outside') outside.push(m.why);
      if (m.kind !== 'includes') continue;
      policies.push({
        name: p.name,
        workload: p.workload,
        enabled: p.enabled,
        ...(failed(p) ? { lastSessionFailed: true } : {}),
      });
      if (p.enabled) covered = true;
    }
    if (covered) return { accountId: a.accountId, covered, policies };
    const reason = policies.length
      ? `only disabled policies: ${policies.map((p) => p.name).join(', ')}`
      : excludedBy.length
        ? `excluded by ${excludedBy.map((n) => `"${n}"`).join(', ')}`
        : outside.length
          ? `outside every organization scope (${outside.join('; ')})`
          : 'no policy names its role or an organization scope that contains it';
    return { accountId: a.accountId, covered, policies, reason };
  });
}

/** Does any policy need the accounts' OU ancestors (an OU scope or OU exclusion)? Saves Organizations calls. */
export function needsAncestors(policies: CoveragePolicy[]): boolean {
  return policies.some(
    (p) =>
      p.source.kind === 'organization' &&
      [...(p.source.underIds ?? []), ...p.source.excluded].some((id) => /^(r-|ou-)/.test(id)),
  );
}

export interface CoverageTotals {
  inScope: number;
  covered: number;
  notCovered: number;
  policies: number;
  /** Policies whose last session failed. */
  failedPolicies: number;
}

export function coverageTotals(accounts: AccountCoverage[], policies: CoveragePolicy[]): CoverageTotals {
  const covered = accounts.filter((a) => a.covered).length;
  return {
    inScope: accounts.length,
    covered,
    notCovered: accounts.length - covered,
    policies: policies.length,
    failedPolicies: policies.filter(failed).length,
  };
}
