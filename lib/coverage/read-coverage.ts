import type { Organization } from '../organizations/types';
import { mapLimit } from '../util/map-limit';
import type { VeeamApi } from '../veeam/types';
import { policyCollections, type PolicyCollection } from './collections';
import { coverageTotals, decideCoverage, needsAncestors, type AccountCoverage, type CoverageTotals } from './decide';
import { toCoveragePolicy, type CoveragePolicy } from './policy';

export interface CoverageReport {
  accounts: AccountCoverage[];
  totals: CoverageTotals & { skippedCollections: number };
  /** Collections this revision answered 404 for: skipped, named so nobody mistakes them for empty. */
  skippedCollections: PolicyCollection[];
  /** Policies whose last session failed (they cover on paper; a person should look). */
  failedPolicies: Array<{ name: string; workload: string; lastSessionStatus: string }>;
  apiVersion?: string;
}

/** Every policy of every collection the negotiated revision has; read only, never written. */
export async function readPolicies(
  veeam: VeeamApi,
): Promise<{ policies: CoveragePolicy[]; skipped: PolicyCollection[] }> {
  const policies: CoveragePolicy[] = [];
  const skipped: PolicyCollection[] = [];
  // One after the other: a handful of small reads, and an appliance is not a service to burst at.
  for (const c of policyCollections(veeam.apiVersion)) {
    const items = await veeam.listCollection(c.path);
    if (items === 'not-found') skipped.push(c);
    else policies.push(...items.map((raw) => toCoveragePolicy(raw, c.workload)));
  }
  return { policies, skipped };
}

/**
 * Which of these accounts (in scope) an enabled backup policy covers: the appliance's IAM-role entries (whose
 * account each names), its policies, and (only when a policy scopes or excludes by OU) each account's OU path.
 */
export async function readCoverage(
  deps: { veeam: () => Promise<VeeamApi>; org: Organization; concurrency?: number },
  accountIds: string[],
): Promise<CoverageReport> {
  const veeam = await deps.veeam();
  // First: it also settles the revision, which decides the collections.
  const entries = await veeam.listRoleEntries();
  const { policies, skipped } = await readPolicies(veeam);
  const entryAccounts = new Map(entries.filter((e) => e.accountId).map((e) => [e.id, e.accountId]));
  const withPath = needsAncestors(policies);
  const accounts = await mapLimit(accountIds, deps.concurrency ?? 8, async (accountId) => ({
    accountId,
    ...(withPath ? { ancestors: await deps.org.ancestors(accountId) } : {}),
  }));
  const decided = decideCoverage({ accounts, policies, entryAccounts });
  return {
    accounts: decided,
    totals: { ...coverageTotals(decided, policies), skippedCollections: skipped.length },
    skippedCollections: skipped,
    failedPolicies: policies
      .filter((p) => (p.lastSessionStatus ?? '').toLowerCase() === 'failed')
      .map((p) => ({ name: p.name, workload: p.workload, lastSessionStatus: p.lastSessionStatus! })),
    ...(veeam.apiVersion ? { apiVersion: veeam.apiVersion } : {}),
  };
}
