import type { Config } from '../config';
import type { OrgAccount, Organization } from './types';

export type ScopeConfig = Pick<Config, 'scopeOuIds' | 'excludedAccountIds'>;

export interface ScopeDecision {
  inScope: boolean;
  /** Shown to operators as is, e.g. in the reconcile report and the worker's logs. */
  reason: string;
}

export interface ScopeInput {
  config: ScopeConfig;
  /** undefined: not (or no longer) a member of the organization. */
  account: OrgAccount | undefined;
  /** Direct parent first, root last; may be [] when the decision does not need it. */
  ancestors: readonly string[];
  managementAccountId: string;
}

/**
 * Why an account is out of scope whatever its place in the OU tree (excluded, or not ACTIVE), or undefined. The words
 * decideScope and the reconcile plan both report.
 */
export function outOfScopeReason(account: OrgAccount, config: ScopeConfig): string | undefined {
  if (config.excludedAccountIds.has(account.id)) return 'excluded by EXCLUDED_ACCOUNT_IDS';
  if (account.status !== 'ACTIVE') return `account is ${account.status}`;
  return undefined;
}

/**
 * The one scope rule, pure so every trigger (event, reconcile, CLI) gives the same answer and the same words.
 * The management account gets no special treatment beyond being named: it is in scope exactly when the OU tree
 * puts it there, which for the usual layout (directly under the root) means the root or the whole organization.
 */
export function decideScope({ config, account, ancestors, managementAccountId }: ScopeInput): ScopeDecision {
  if (!account) return { inScope: false, reason: 'not a member of the organization' };
  const isManagement = account.id === managementAccountId;
  const note = isManagement ? ', management account' : '';
  const out = outOfScopeReason(account, config);
  if (out) return { inScope: false, reason: `${out}${note}` };
  if (config.scopeOuIds.length === 0) return { inScope: true, reason: `in scope (whole organization${note})` };
  const under = ancestors.find((id) => config.scopeOuIds.includes(id));
  if (under) return { inScope: true, reason: `in scope (under ${under}${note})` };
  const parents = ancestors.length ? ancestors.join(', ') : 'unknown';
  return { inScope: false, reason: `outside SCOPE_OU_IDS (parents: ${parents})${note}` };
}

/** Reads what the decision needs and no more: the parent chain only when it can change the answer. */
export async function scopeOf(
  org: Organization,
  config: ScopeConfig,
  accountId: string,
): Promise<ScopeDecision & { account: OrgAccount | undefined }> {
  // With SCOPE_OU_IDS the parent chain is needed for every active account: asked at once with the account, one round
  // trip instead of two (a non-member's chain is [], a suspended account's is read for nothing).
  const scoped = config.scopeOuIds.length > 0 && !config.excludedAccountIds.has(accountId);
  const [account, managementAccountId, chain] = await Promise.all([
    org.describeAccount(accountId),
    org.managementAccountId(),
    scoped ? org.ancestors(accountId) : Promise.resolve([]),
  ]);
  const needsAncestors = scoped && account !== undefined && outOfScopeReason(account, config) === undefined;
  const ancestors = needsAncestors ? chain : [];
  return { ...decideScope({ config, account, ancestors, managementAccountId }), account };
}
