import { InvariantError } from '../errors';
import type { VeeamEntry, VeeamEntrySpec, VeeamRoleEntry } from './types';

/** The subset of the vendor's AmazonAccount schema we read; everything else is ignored. */
interface AmazonAccountJson {
  id?: unknown;
  name?: unknown;
  description?: unknown;
  awsid?: unknown;
  awsAccountId?: unknown;
  IAMRoleFromAnotherAccount?: { accountId?: unknown; roleName?: unknown } | null;
  IAMRole?: { roleName?: unknown } | null;
}

const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function toEntry(json: unknown): VeeamEntry {
  const a = (json ?? {}) as AmazonAccountJson;
  const id = s(a.id);
  if (!id) throw new InvariantError('Veeam returned an IAM role entry without an id (the REST API always sends one)');
  const cross = a.IAMRoleFromAnotherAccount;
  return {
    id,
    name: s(a.name) ?? '',
    description: s(a.description) ?? null,
    // Only cross-account entries carry an account we manage; `awsid` (spec) / `awsAccountId` (newer revisions) back it up.
    accountId: cross ? (s(cross.accountId) ?? s(a.awsAccountId) ?? s(a.awsid) ?? '') : '',
    roleName: cross ? (s(cross.roleName) ?? '') : '',
  };
}

/**
 * Any entry with the role it names. An `IAMRole` entry is a role in the appliance's own account, which `awsid`
 * (`awsAccountId` in newer revisions) names; a cross-account one names its account itself.
 */
export function toRoleEntry(json: unknown): VeeamRoleEntry {
  const a = (json ?? {}) as AmazonAccountJson;
  const entry = toEntry(json);
  if (a.IAMRoleFromAnotherAccount) return { ...entry, kind: 'IAMRoleFromAnotherAccount' };
  if (a.IAMRole)
    return {
      id: entry.id,
      name: entry.name,
      kind: 'IAMRole',
      accountId: s(a.awsAccountId) ?? s(a.awsid) ?? '',
      roleName: s(a.IAMRole.roleName) ?? '',
    };
  return { id: entry.id, name: entry.name, kind: 'other', accountId: '', roleName: '' };
}

/**
 * AmazonAccountCreateSpec / AmazonAccountUpdateSpec with the IAMRoleFromAnotherAccount variant. PUT replaces the
 * whole resource, so create and update send the same complete document.
 */
export function toAccountSpecJson(spec: VeeamEntrySpec): Record<string, unknown> {
  return {
    name: spec.name,
    description: spec.description,
    IAMRoleFromAnotherAccount: { accountId: spec.accountId, roleName: spec.roleName, externalId: spec.externalId },
  };
}
