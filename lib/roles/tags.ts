import { createHash } from 'node:crypto';
import { ownerOf, type Owner } from '../ownership';
import type { RoleBlueprint } from './types';

/** Every tag key this service writes starts with this; keys without it belong to someone else. */
export const TAG_PREFIX = 'veeam-org-sync:';
export const MANAGED_TAG = `${TAG_PREFIX}managed`;
export const BLUEPRINT_TAG = `${TAG_PREFIX}blueprint`;
/**
 * Names the set of inline policies the role was last converged to (a short hash of the sorted names). While it matches
 * the blueprint, no policy of ours can be there besides the blueprint's, so a read skips ListRolePolicies; when a
 * blueprint drops or renames a policy, the tag differs and the read lists (lib/roles/read.ts).
 */
export const POLICIES_TAG = `${TAG_PREFIX}policies`;

export function policySetTag(bp: Pick<RoleBlueprint, 'policies'>): string {
  const names = bp.policies.map((p) => p.name).sort();
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 16);
}

/** The value of the managed tag written before installation ids; INSTALLATION_ID may not take it. */
export const LEGACY_MANAGED_VALUE = 'true';

type Owned = Pick<RoleBlueprint, 'key' | 'installationId'>;

/** The managed tag's value is the installation id that created the role or instance profile. */
export function ownershipTags(bp: Owned): Record<string, string> {
  return { [MANAGED_TAG]: bp.installationId, [BLUEPRINT_TAG]: bp.key };
}

/** Ownership is the managed tag alone: a role we created keeps it even if someone edits the blueprint tag. */
export function tagOwner(tags: Record<string, string>, installationId: string): Owner {
  const value = tags[MANAGED_TAG];
  return ownerOf(value === LEGACY_MANAGED_VALUE ? '' : value, installationId);
}

export function desiredTags(
  bp: Owned & Pick<RoleBlueprint, 'policies'>,
  stateTags: Record<string, string>,
): Record<string, string> {
  return { ...stateTags, ...ownershipTags(bp), [POLICIES_TAG]: policySetTag(bp) };
}

export function tagsFromList(
  list: Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function tagsToList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([Key, Value]) => ({ Key, Value }));
}

/** What to set and what to remove so our keys equal `desired`; keys outside our prefix are never in either list. */
export function tagDiff(
  current: Record<string, string>,
  desired: Record<string, string>,
): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) if (current[k] !== v) set[k] = v;
  const remove = Object.keys(current)
    .filter((k) => k.startsWith(TAG_PREFIX) && !(k in desired))
    .sort();
  return { set, remove };
}
