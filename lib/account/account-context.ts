import type { Deps } from '../deps';
import type { VeeamApi, VeeamEntry } from '../veeam/types';
import { entryName } from '../veeam/registration';
import type { RoleIam } from '../roles/types';

/** What convergence of one account works with, read once per account. */
export interface AccountContext {
  deps: Deps;
  accountId: string;
  roles: RoleIam;
  veeam: VeeamApi;
  /** This account's entries in the appliance; kept current as entries are created or updated. */
  entries: VeeamEntry[];
  dryRun: boolean;
}

/** Our entry names start with the account id, so one narrow search usually finds all of an account's entries. */
function accountSearchPattern(accountId: string): string {
  return `${accountId}*`;
}

/**
 * This account's Veeam entries. The name search is cheap at any organization size; when it misses one of our
 * names (a new account, or an entry renamed by hand), the full listing is read once and filtered by account id,
 * so an entry for the same role under another name is found and reported instead of duplicated.
 */
export async function accountEntries(deps: Deps, veeam: VeeamApi, accountId: string): Promise<VeeamEntry[]> {
  const named = await veeam.listEntries({ searchPattern: accountSearchPattern(accountId) });
  const names = new Set(named.map((e) => e.name.toLowerCase()));
  const complete = deps.blueprints
    .filter((b) => b.register)
    .every((b) => names.has(entryName(accountId, b.key).toLowerCase()));
  if (complete) return named;
  return (await veeam.listEntries()).filter(
    (e) => e.accountId === accountId || e.name.toLowerCase().startsWith(accountId),
  );
}

/**
 * Reads what every per-account operation starts from: the account's Veeam entries (unless a reconcile plan just
 * listed them) and a member-account session.
 */
export async function openAccount(
  deps: Deps,
  accountId: string,
  dryRun: boolean,
  knownEntries?: VeeamEntry[],
): Promise<AccountContext> {
  const veeam = await deps.veeam();
  const [entries, roles] = await Promise.all([
    knownEntries ?? accountEntries(deps, veeam, accountId),
    deps.member.roles(accountId),
  ]);
  return { deps, accountId, roles, veeam, entries, dryRun };
}
