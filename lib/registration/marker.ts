import { externalIdFingerprint } from '../external-id';
import { ownerOf, type Owner } from '../ownership';
import type { VeeamEntry } from '../veeam/types';

const MARKER = 'Managed by veeam-org-sync.';

/** Deterministic, so a retry after a lost response finds the entry instead of creating a second one. */
export function entryName(accountId: string, blueprintKey: string): string {
  return `${accountId}-${blueprintKey}`;
}

/**
 * The ownership marker, naming the installation that wrote it (INSTALLATION_ID). Veeam never returns the external ID,
 * so its fingerprint here is how we know which ID the appliance holds; the ID itself is never written anywhere
 * readable. Without `installationId` it is the marker written before installation ids (tests use it as such).
 */
export function entryDescription(
  roleName: string,
  externalId: string,
  issuedAt?: Date,
  installationId?: string,
): string {
  // The issue date lets the rotation schedule find due accounts from one listing, without reading IAM everywhere.
  const issued = issuedAt ? ` issued=${issuedAt.toISOString().slice(0, 10)}` : '';
  const installation = installationId ? ` installation=${installationId}` : '';
  return `${MARKER}${installation} role=${roleName} extid-fp=${externalIdFingerprint(externalId)}${issued}`;
}

export function parseEntryDescription(description: string | null | undefined): {
  /** Carries the marker (of any installation, or written before installation ids). */
  owned: boolean;
  /** The installation that wrote it; absent on markers written before installation ids. */
  installationId?: string;
  roleName?: string;
  externalIdFp?: string;
  issuedAt?: Date;
} {
  if (!description?.startsWith(MARKER)) return { owned: false };
  const installation = /(?:^|\s)installation=([A-Za-z0-9-]+)(?:\s|$)/.exec(description)?.[1];
  const role = /(?:^|\s)role=(\S+)/.exec(description)?.[1];
  const fp = /(?:^|\s)extid-fp=([0-9a-f]{16})(?:\s|$)/.exec(description)?.[1];
  const issued = /(?:^|\s)issued=(\d{4}-\d{2}-\d{2})(?:\s|$)/.exec(description)?.[1];
  return {
    owned: true,
    ...(installation ? { installationId: installation } : {}),
    ...(role ? { roleName: role } : {}),
    ...(fp ? { externalIdFp: fp } : {}),
    ...(issued ? { issuedAt: new Date(`${issued}T00:00:00Z`) } : {}),
  };
}

/** Whose marker the entry carries, seen from `installationId`. */
export function entryOwner(entry: Pick<VeeamEntry, 'description'>, installationId: string): Owner {
  const d = parseEntryDescription(entry.description);
  return ownerOf(d.owned ? (d.installationId ?? '') : undefined, installationId);
}

/** The external-ID fingerprint an owned entry records (what the appliance holds), if any. */
export function entryFingerprint(entry: Pick<VeeamEntry, 'description'>): string | undefined {
  return parseEntryDescription(entry.description).externalIdFp;
}
