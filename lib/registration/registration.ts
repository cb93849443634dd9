import { VeeamApiError } from '../veeam/errors';
import { externalIdFingerprint } from '../external-id';
import { describeOwner, mayConverge, mayOffboard, type Owner } from '../ownership';
import type { VeeamApi, VeeamEntry, VeeamEntrySpec } from '../veeam/types';
import { entryDescription, entryName, entryOwner, parseEntryDescription } from './marker';

/**
 * The entry that stands for (account, blueprint) among listed entries, as ensureRegistration sees it: our name
 * first, then any entry for the same account and role (ours preferred). `owned` false means: report, never touch.
 * `owned` includes entries written before installation ids (adopted in scope); `owner` tells them apart, and only
 * `owner.kind === 'ours'` may be offboarded.
 */
export function findEntry(
  entries: VeeamEntry[],
  accountId: string,
  blueprint: { key: string; roleName: string; installationId: string },
): { entry: VeeamEntry; owned: boolean; owner: Owner } | undefined {
  const f = find(
    { accountId, roleName: blueprint.roleName, installationId: blueprint.installationId },
    entryName(accountId, blueprint.key),
    entries,
  );
  if (f.kind === 'missing') return undefined;
  return { entry: f.entry, owned: f.kind === 'ours', owner: entryOwner(f.entry, blueprint.installationId) };
}

export interface DesiredRegistration {
  accountId: string;
  blueprintKey: string;
  roleName: string;
  /** INSTALLATION_ID, written into the marker; entries of other installations are never touched. */
  installationId: string;
  externalId: string;
  /** When the external ID was issued (recorded with its fingerprint). */
  issuedAt?: Date;
}

export interface RegistrationResult {
  status: 'created' | 'updated' | 'ok' | 'conflict';
  entry?: VeeamEntry;
  /** Human-readable; never contains the external ID (fingerprints only). */
  changes: string[];
}

function specFor(d: DesiredRegistration): VeeamEntrySpec {
  return {
    name: entryName(d.accountId, d.blueprintKey),
    description: entryDescription(d.roleName, d.externalId, d.issuedAt, d.installationId),
    accountId: d.accountId,
    roleName: d.roleName,
    externalId: d.externalId,
  };
}

function drift(entry: VeeamEntry, spec: VeeamEntrySpec): string[] {
  const changes: string[] = [];
  if (entry.name !== spec.name) changes.push(`rename entry "${entry.name}" to "${spec.name}"`);
  if (entry.accountId !== spec.accountId) changes.push(`account ${entry.accountId || '(none)'} -> ${spec.accountId}`);
  if (entry.roleName !== spec.roleName) changes.push(`role ${entry.roleName || '(none)'} -> ${spec.roleName}`);
  if (entry.description !== spec.description) {
    const have = parseEntryDescription(entry.description);
    const want = parseEntryDescription(spec.description);
    if (have.externalIdFp !== want.externalIdFp)
      changes.push(`external ID (fingerprint ${have.externalIdFp ?? 'unknown'} -> ${want.externalIdFp ?? 'unknown'})`);
    else if (have.installationId !== want.installationId)
      changes.push(`marker stamped with installation ${want.installationId ?? '(none)'} (adopted)`);
    else changes.push('description restored');
  }
  return changes;
}

type Found =
  { kind: 'ours'; entry: VeeamEntry } | { kind: 'conflict'; entry: VeeamEntry; why: string } | { kind: 'missing' };

const OTHER_INSTALLATION_FIX =
  'Two installations must not protect the same account: change SCOPE_OU_IDS or EXCLUDED_ACCOUNT_IDS of one of them.';

function find(
  d: Pick<DesiredRegistration, 'accountId' | 'roleName' | 'installationId'>,
  name: string,
  entries: VeeamEntry[],
): Found {
  const ownerOfEntry = (e: VeeamEntry) => entryOwner(e, d.installationId);
  // The appliance treats names case-insensitively when it checks uniqueness, so must we.
  const byName = entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (byName) {
    const owner = ownerOfEntry(byName);
    if (mayConverge(owner)) return { kind: 'ours', entry: byName };
    return {
      kind: 'conflict',
      entry: byName,
      why:
        owner.kind === 'other'
          ? `Veeam entry "${name}" (${byName.id}) is ${describeOwner(owner)}, not by this installation (${d.installationId}); left untouched. ${OTHER_INSTALLATION_FIX}`
          : `Veeam entry "${name}" (${byName.id}) exists but was not created by veeam-org-sync (no marker in its description); left untouched.`,
    };
  }
  const sameRole = entries.filter((e) => e.accountId === d.accountId && e.roleName === d.roleName);
  const ours = sameRole.find((e) => mayConverge(ownerOfEntry(e)));
  if (ours) return { kind: 'ours', entry: ours };
  const foreign = sameRole[0];
  if (foreign) {
    const owner = ownerOfEntry(foreign);
    return {
      kind: 'conflict',
      entry: foreign,
      why:
        owner.kind === 'other'
          ? `Role ${d.roleName} of account ${d.accountId} is already registered in Veeam as "${foreign.name}" (${foreign.id}), ${describeOwner(owner)}; left untouched. ${OTHER_INSTALLATION_FIX}`
          : `Role ${d.roleName} of account ${d.accountId} is already registered in Veeam as "${foreign.name}" (${foreign.id}), which veeam-org-sync does not manage; left untouched.`,
    };
  }
  return { kind: 'missing' };
}

/** A lost race with another worker (or a retried POST) looks like a 400 validation problem from POST. */
function mayBeDuplicate(err: unknown): boolean {
  return err instanceof VeeamApiError && (err.status === 400 || err.status === 409);
}

/**
 * Converges the Veeam side of one (account, blueprint). `existing` is what was already listed for the account, so a
 * converged account costs no extra call and no write. Entries we do not own are reported, never modified.
 * `beforeWrite` runs immediately before a POST or PUT (the caller re-checks that IAM still accepts the ID).
 */
export async function ensureRegistration(
  veeam: VeeamApi,
  desired: DesiredRegistration,
  existing: VeeamEntry[],
  opts: { dryRun: boolean; beforeWrite?: () => Promise<void> },
): Promise<RegistrationResult> {
  const spec = specFor(desired);
  const converge = async (found: Found, allowCreate: boolean): Promise<RegistrationResult> => {
    if (found.kind === 'conflict') return { status: 'conflict', entry: found.entry, changes: [found.why] };
    if (found.kind === 'ours') {
      const changes = drift(found.entry, spec);
      if (!changes.length) return { status: 'ok', entry: found.entry, changes };
      if (opts.dryRun) return { status: 'updated', entry: found.entry, changes };
      await opts.beforeWrite?.();
      return { status: 'updated', entry: await veeam.updateEntry(found.entry.id, spec), changes };
    }
    const changes = [
      `register ${desired.roleName} of account ${desired.accountId} as "${spec.name}" (external ID fingerprint ${externalIdFingerprint(desired.externalId)})`,
    ];
    if (opts.dryRun) return { status: 'created', changes };
    await opts.beforeWrite?.();
    try {
      return { status: 'created', entry: await veeam.createEntry(spec), changes };
    } catch (err) {
      if (!allowCreate || !mayBeDuplicate(err)) throw err;
      const again = find(desired, spec.name, await veeam.listEntries({ searchPattern: spec.name }));
      if (again.kind === 'missing') throw err;
      return converge(again, false);
    }
  };
  return converge(find(desired, spec.name, existing), true);
}

export interface UnregisterResult {
  status: 'removed' | 'refused' | 'already-gone' | 'not-owned';
  reasons?: string[];
}

/**
 * Removes an entry carrying this installation's id, unless Veeam says it is still in use (a policy or repository
 * refers to it). Entries of other installations, and those written before installation ids, are never removed.
 */
export async function unregister(
  veeam: VeeamApi,
  entry: VeeamEntry,
  opts: { dryRun: boolean; installationId: string },
): Promise<UnregisterResult> {
  const owner = entryOwner(entry, opts.installationId);
  if (!mayOffboard(owner)) {
    return {
      status: 'not-owned',
      reasons: [`Veeam entry "${entry.name}" (${entry.id}) is ${describeOwner(owner)}; left in place.`],
    };
  }
  let messages;
  try {
    messages = await veeam.validateDelete(entry.id);
  } catch (err) {
    if (err instanceof VeeamApiError && err.status === 404) return { status: 'already-gone' };
    throw err;
  }
  const blocking = messages.filter((m) => m.severity === 'Error').map((m) => m.message);
  if (blocking.length) return { status: 'refused', reasons: blocking };
  const warnings = messages.map((m) => m.message);
  if (opts.dryRun) return { status: 'removed', ...(warnings.length ? { reasons: warnings } : {}) };
  const outcome = await veeam.deleteEntry(entry.id);
  if (outcome === 'already-gone') return { status: 'already-gone' };
  return { status: 'removed', ...(warnings.length ? { reasons: warnings } : {}) };
}
