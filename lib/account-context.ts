import type { AccountContext } from './converge-role';
import type { Deps } from './deps';

/** This account's entries: our names start with the account id, so one narrow search replaces a full listing. */
export function accountSearchPattern(accountId: string): string {
  return `${accountId}*`;
}

/** Reads what every per-account operation starts from: one Veeam search, one member-account session. */
export async function openAccount(deps: Deps, accountId: string, dryRun: boolean): Promise<AccountContext> {
  const veeam = await deps.veeam();
  const [entries, roles] = await Promise.all([veeam.listEntries({ searchPattern: accountSearchPattern(accountId) }), deps.member.roles(accountId)]);
  return { deps, accountId, roles, veeam, entries, dryRun };
}
