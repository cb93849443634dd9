import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { OrgAccount, Organization } from './types';

export type ScopeConfig = Pick<Config, 'scopeOuIds' | 'excludedAccountIds' | 'includeManagementAccount'>;

/** The words every report gives for the management account when it is left out. */
export const MANAGEMENT_ACCOUNT_EXCLUDED =
  'management account: out of scope unless INCLUDE_MANAGEMENT_ACCOUNT=true (stack parameter includeManagementAccount)';

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
 * Why an account is out of scope whatever its place in the OU tree (excluded, the management account without the
 * opt-in, or not ACTIVE), or undefined. The words decideScope and the reconcile plan both report.
 */
export function outOfScopeReason(
  account: OrgAccount,
  config: ScopeConfig,
  managementAccountId: string | undefined,
): string | undefined {
  // The backup role's documented permissions (iam:PassRole, ec2:RunInstances, ssm:SendCommand on *) are a path to
  // organization-wide administrator when they exist in the management account: only on request. Checked first, so
  // the management account always carries this reason, which offboarding keys on to leave its roles alone (the
  // functions have no IAM permission there without the opt-in), even when EXCLUDED_ACCOUNT_IDS names it too.
  if (account.id === managementAccountId && !config.includeManagementAccount) return MANAGEMENT_ACCOUNT_EXCLUDED;
  if (config.excludedAccountIds.has(account.id)) return 'excluded by EXCLUDED_ACCOUNT_IDS';
  if (account.status !== 'ACTIVE') return `account is ${account.status}`;
  return undefined;
}

/**
 * The one scope rule, pure so every trigger (event, reconcile, CLI) gives the same answer and the same words.
 * The management account is out of scope unless INCLUDE_MANAGEMENT_ACCOUNT is true; then it is in scope exactly when
 * the OU tree puts it there, which for the usual layout (directly under the root) means the root or the whole
 * organization.
 */
export function decideScope({ config, account, ancestors, managementAccountId }: ScopeInput): ScopeDecision {
  if (!account) return { inScope: false, reason: 'not a member of the organization' };
  const isManagement = account.id === managementAccountId;
  const out = outOfScopeReason(account, config, managementAccountId);
  if (out === MANAGEMENT_ACCOUNT_EXCLUDED) return { inScope: false, reason: out };
  const note = isManagement ? ', management account' : '';
  if (out) return { inScope: false, reason: `${out}${note}` };
  const included = isManagement ? ', management account included by INCLUDE_MANAGEMENT_ACCOUNT' : '';
  if (config.scopeOuIds.length === 0) return { inScope: true, reason: `in scope (whole organization${included})` };
  const under = ancestors.find((id) => config.scopeOuIds.includes(id));
  if (under) return { inScope: true, reason: `in scope (under ${under}${included})` };
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
    assertScopeExists(org, config),
  ]);
  const needsAncestors =
    scoped && account !== undefined && outOfScopeReason(account, config, managementAccountId) === undefined;
  const ancestors = needsAncestors ? chain : [];
  return { ...decideScope({ config, account, ancestors, managementAccountId }), account };
}

/**
 * A SCOPE_OU_IDS entry that names no root or OU of the organization (a typo, a deleted OU, another organization's id)
 * would make every account look out of scope; it is a configuration error that stops the run before any planning.
 */
export async function assertScopeExists(org: Organization, config: Pick<Config, 'scopeOuIds'>): Promise<void> {
  if (config.scopeOuIds.length === 0) return;
  const missing = await org.missingParents(config.scopeOuIds);
  if (missing.length === 0) return;
  throw new ConfigError(
    missing.map(
      (id) =>
        `SCOPE_OU_IDS contains "${id}", which is not a root or OU of this organization (deleted, mistyped, or of another organization). ` +
        'Fix the stack parameter scopeOuIds (or SCOPE_OU_IDS for the CLI) to ids shown by `aws organizations list-roots` / `list-organizational-units-for-parent`; nothing was changed.',
    ),
  );
}
