import { mapLimit } from '../util/map-limit';
import type { OrgAccount } from '../organizations/types';
import { outOfScopeReason, type ScopeConfig } from '../organizations/scope';
import { describeOwner, type Owner } from '../ownership';
import type { VeeamEntry } from '../veeam/types';

/**
 * register: in scope, at least one of our entries is missing. ok: in scope, all our entries present (the IAM side is
 * the worker's to verify). offboard: our entries exist for an account that is not in scope. skip: not in scope and
 * nothing of ours to remove, listed so the report names every account that is not protected.
 */
export type PlanAction = 'register' | 'ok' | 'offboard' | 'skip';

export interface PlannedAccount {
  accountId: string;
  action: PlanAction;
  reason: string;
  /** register: blueprint keys without an entry of ours. */
  missing?: string[];
  /** Blueprint keys whose role already has an entry we do not own: registration will meet a conflict. */
  foreign?: string[];
}

export interface ReconcilePlan {
  accounts: PlannedAccount[];
  totals: Record<PlanAction, number>;
  /** Accounts read from Organizations (under the scope, any status). */
  scanned: number;
}

/** A blueprint that is registered in Veeam (register: true). */
export interface PlanBlueprint {
  key: string;
  roleName: string;
}

export interface PlanInput {
  /**
   * The desired set, read once: listAccountsUnder(config.scopeOuIds). planReconcile itself streams it; planOrganization
   * collects the walk first (about 100 bytes per account) so that it overlaps the Veeam listing. Accounts that are not
   * ACTIVE or are excluded are planned here as offboard/skip with their reason.
   */
  desired: AsyncIterable<OrgAccount>;
  /** Exclusions and the wording of reasons. */
  config: ScopeConfig;
  /** The appliance's entries, listed once. */
  entries: readonly VeeamEntry[];
  blueprints: readonly PlanBlueprint[];
  /**
   * Whose marker an entry carries, seen from this installation (entryOwner with INSTALLATION_ID). Only entries with
   * our own id are ever offboarded; entries written before installation ids count as ours in scope (adopted) and are
   * never offboarded; entries of other installations are never ours.
   */
  owner(entry: VeeamEntry): Owner;
  /** The management account, out of scope unless INCLUDE_MANAGEMENT_ACCOUNT (config.includeManagementAccount). */
  managementAccountId?: string;
  /** Limit the plan to these accounts (CLI --account). */
  onlyAccountIds?: ReadonlySet<string>;
  /**
   * Why an account that was not listed under the scope is out of it (moved out, left, closed), e.g. built on
   * scopeOf(). Only called for accounts that have our entries (or were asked for), so a few calls at most.
   */
  explainOutOfScope?(accountId: string): Promise<string>;
}

/**
 * Parallel explainOutOfScope calls; Organizations throttles hard, keep it small. Each one asks for the account and
 * its parent chain at once (lib/organizations/scope.ts), so 2 keeps about 4 calls in flight, as the walk does.
 */
const EXPLAIN_CONCURRENCY = 2;

interface EntryIndex {
  /** Role names of entries carrying our installation id: the only ones ever offboarded. */
  owned: Set<string>;
  /** Role names of entries written before installation ids: adopted in scope, never offboarded. */
  legacy: Set<string>;
  /** Role names of entries that are not ours, with whose they are. */
  foreign: Map<string, string>;
}

function indexEntries(input: PlanInput): Map<string, EntryIndex> {
  const byAccount = new Map<string, EntryIndex>();
  for (const entry of input.entries) {
    // Entries without an account (other kinds) are ignored.
    const accountId = entry.accountId;
    if (!accountId) continue;
    if (input.onlyAccountIds && !input.onlyAccountIds.has(accountId)) continue;
    let idx = byAccount.get(accountId);
    if (!idx) {
      idx = { owned: new Set(), legacy: new Set(), foreign: new Map() };
      byAccount.set(accountId, idx);
    }
    const owner = input.owner(entry);
    if (owner.kind === 'ours') idx.owned.add(entry.roleName);
    else if (owner.kind === 'legacy') idx.legacy.add(entry.roleName);
    else idx.foreign.set(entry.roleName, describeOwner(owner));
  }
  return byAccount;
}

function planInScope(
  accountId: string,
  idx: EntryIndex | undefined,
  blueprints: readonly PlanBlueprint[],
): PlannedAccount {
  const missing = blueprints.filter((bp) => !idx?.owned.has(bp.roleName) && !idx?.legacy.has(bp.roleName));
  const adopted = blueprints.filter((bp) => idx?.legacy.has(bp.roleName) && !idx.owned.has(bp.roleName));
  const adopting = adopted.length
    ? `; adopts entries written before installation ids: ${adopted.map((bp) => bp.key).join(', ')}`
    : '';
  if (missing.length === 0) {
    return { accountId, action: 'ok', reason: `registered: ${blueprints.map((bp) => bp.key).join(', ')}${adopting}` };
  }
  const foreign = missing.filter((bp) => idx?.foreign.has(bp.roleName));
  const reason =
    `not registered: ${missing.map((bp) => `${bp.key} (${bp.roleName})`).join(', ')}` +
    (foreign.length
      ? `; an entry we do not own already uses the role of: ${foreign.map((bp) => `${bp.key} (${idx!.foreign.get(bp.roleName)})`).join(', ')}`
      : '') +
    adopting;
  return {
    accountId,
    action: 'register',
    reason,
    missing: missing.map((bp) => bp.key),
    ...(foreign.length ? { foreign: foreign.map((bp) => bp.key) } : {}),
  };
}

/** Out of scope with entries written before installation ids: said every time, since nobody will remove them. */
function legacyNote(idx: EntryIndex | undefined): string {
  return idx?.legacy.size
    ? '; its entries written before installation ids are never offboarded automatically (remove them by hand if no installation protects it)'
    : '';
}

/**
 * Compares the organization with the appliance in one pass over the accounts. Its own memory is the entry index
 * (already in memory as the listed entries), one small record per planned account and a set of account ids; the
 * caller decides whether `desired` is streamed or already collected (planOrganization collects it).
 */
export async function planReconcile(input: PlanInput): Promise<ReconcilePlan> {
  const index = indexEntries(input);
  const planned: PlannedAccount[] = [];
  const seen = new Set<string>();
  let scanned = 0;

  for await (const account of input.desired) {
    scanned++;
    if (input.onlyAccountIds && !input.onlyAccountIds.has(account.id)) continue;
    if (seen.has(account.id)) continue;
    seen.add(account.id);
    const idx = index.get(account.id);
    const out = outOfScopeReason(account, input.config, input.managementAccountId);
    if (out === undefined) planned.push(planInScope(account.id, idx, input.blueprints));
    else if (idx?.owned.size) planned.push({ accountId: account.id, action: 'offboard', reason: out });
    else planned.push({ accountId: account.id, action: 'skip', reason: out + legacyNote(idx) });
  }

  // Accounts not listed under the scope: ours to offboard when we registered them, or asked for by the operator.
  const unlisted = [...index.entries()].filter(([id, idx]) => !seen.has(id) && idx.owned.size > 0).map(([id]) => id);
  const asked = input.onlyAccountIds
    ? [...input.onlyAccountIds].filter((id) => !seen.has(id) && !index.get(id)?.owned.size)
    : [];
  const fallback = input.config.scopeOuIds.length
    ? 'not under SCOPE_OU_IDS (moved out or left the organization)'
    : 'not a member of the organization';
  const explain = async (id: string): Promise<string> => {
    if (!input.explainOutOfScope) return fallback;
    try {
      return await input.explainOutOfScope(id);
    } catch (err) {
      return `${fallback} (lookup failed: ${err instanceof Error ? err.message : String(err)})`;
    }
  };
  const offReasons = await mapLimit(unlisted.sort(), EXPLAIN_CONCURRENCY, explain);
  unlisted.forEach((accountId, i) =>
    planned.push({ accountId, action: 'offboard', reason: offReasons[i] ?? fallback }),
  );
  const askedReasons = await mapLimit(asked.sort(), EXPLAIN_CONCURRENCY, explain);
  asked.forEach((accountId, i) => planned.push({ accountId, action: 'skip', reason: askedReasons[i] ?? fallback }));

  const totals: Record<PlanAction, number> = { register: 0, ok: 0, offboard: 0, skip: 0 };
  for (const p of planned) totals[p.action]++;
  return { accounts: planned, totals, scanned };
}
