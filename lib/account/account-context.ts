import type { Deps } from '../deps';
import type { VeeamApi, VeeamEntry } from '../veeam/types';
import { entryName } from '../registration';
import type { RoleIam } from '../roles/types';

/** What convergence of one account works with, read once per account. */
export interface AccountContext {
  deps: Deps;
  accountId: string;
  roles: RoleIam;
  veeam: VeeamApi;
  /** This account's entries in the appliance; kept current as entries are created or updated. */
  entries: VeeamEntry[];
  /**
   * true when `entries` came from a listing of every entry (a reconcile plan, or listEntriesOnce): an entry for this
   * account under any name is in it. false after the name search alone (see searchAccountEntries).
   */
  entriesComplete: boolean;
  dryRun: boolean;
}

/** Our entry names start with the account id, so one narrow search usually finds all of an account's entries. */
function accountSearchPattern(accountId: string): string {
  return `${accountId}*`;
}

/**
 * This account's Veeam entries, for offboarding (which must find every entry of ours, renamed or not). The name search is cheap at any organization size; when it misses one of our
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
  return listedAccountEntries(veeam, accountId);
}

/** Every entry of this account, whatever its name: one listing of the whole appliance, filtered. */
async function listedAccountEntries(veeam: VeeamApi, accountId: string): Promise<VeeamEntry[]> {
  return (await veeam.listEntries()).filter(
    (e) => e.accountId === accountId || e.name.toLowerCase().startsWith(accountId),
  );
}

/**
 * Convergence's view of the account's entries, at a cost that does not grow with the appliance: one name search
 * (`<accountId>*`; our names start with the account id). The full listing is read only when an owned role of ours
 * exists but its named entry is missing (an entry renamed by hand: see completeEntries), never for a new account.
 * The trade-off: an entry registered by hand under another name for an account the service has not protected yet
 * is not seen by an event, only by the next reconcile, whose plan lists every entry and hands them to convergence.
 */
export async function searchAccountEntries(veeam: VeeamApi, accountId: string): Promise<VeeamEntry[]> {
  return veeam.listEntries({ searchPattern: accountSearchPattern(accountId) });
}

/** Lists every entry once for this account (the rare drift case), so an entry renamed by hand is found. */
export async function completeEntries(ctx: AccountContext): Promise<void> {
  if (ctx.entriesComplete) return;
  const listed = await listedAccountEntries(ctx.veeam, ctx.accountId);
  const ids = new Set(listed.map((e) => e.id));
  ctx.entries = [...listed, ...ctx.entries.filter((e) => !ids.has(e.id))];
  ctx.entriesComplete = true;
}

/**
 * Reads what every per-account operation starts from: the account's Veeam entries (unless a reconcile plan just
 * listed them) and a member-account session, concurrently. `searchAgain`: the known entries are from an earlier
 * listing (a queued plan), so ours are searched by name again and the listing contributes the entries under other names.
 */
export async function openAccount(
  deps: Deps,
  accountId: string,
  dryRun: boolean,
  knownEntries?: VeeamEntry[],
  opts: { searchAgain?: boolean } = {},
): Promise<AccountContext> {
  const veeam = await deps.veeam();
  const search = !knownEntries || opts.searchAgain;
  const [searched, roles] = await Promise.all([
    search ? searchAccountEntries(veeam, accountId) : Promise.resolve([]),
    deps.member.roles(accountId),
  ]);
  let entries = knownEntries ?? searched;
  if (knownEntries && search) {
    const pattern = accountId.toLowerCase();
    entries = [...searched, ...knownEntries.filter((e) => !e.name.toLowerCase().startsWith(pattern))];
  }
  return { deps, accountId, roles, veeam, entries, entriesComplete: knownEntries !== undefined, dryRun };
}
