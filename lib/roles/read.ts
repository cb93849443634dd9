import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { decodePolicyDocument } from './policy-document';
import { isOurPolicyName } from './policies';
import { mayConverge } from '../ownership';
import { POLICIES_TAG, policySetTag, tagOwner, tagsFromList } from './tags';
import { acceptedExternalIds } from './trust';
import type { RoleBlueprint, RoleSnapshot } from './types';

export function isNoSuchEntity(err: unknown): boolean {
  return (
    (err as { name?: string } | null)?.name === 'NoSuchEntityException' ||
    (err as { name?: string } | null)?.name === 'NoSuchEntity'
  );
}

export function isAlreadyExists(err: unknown): boolean {
  return (
    (err as { name?: string } | null)?.name === 'EntityAlreadyExistsException' ||
    (err as { name?: string } | null)?.name === 'EntityAlreadyExists'
  );
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
}

export interface ReadRoleOptions {
  /** Selects which trust statement's external IDs are reported. */
  principalArn?: string;
  /**
   * Also list every inline and attached policy (ListRolePolicies, ListAttachedRolePolicies): what removal needs, since
   * IAM refuses to delete a role that still has any. Convergence does not: see readRole.
   */
  complete?: boolean;
}

/**
 * Everything convergence needs about one blueprint role, in one round trip of concurrent calls: GetRole (trust and
 * tags come with it), GetRolePolicy for each blueprint policy by its known name, GetInstanceProfile (its tags tell
 * whether it is ours). For the two blueprints that is 5 calls per account.
 *
 * Not read by default: foreign inline policies and attached managed policies (convergence never touches them, only
 * removal does: `complete`), and inline policies of ours that the blueprint no longer has. Those can only exist when
 * the role was converged to another set of policy names, which the POLICIES_TAG records: when the tag differs from
 * the blueprint's, the role's inline policies are listed (a second round trip, once; the repair rewrites the tag).
 * The trade-off: an inline policy named with our prefix added by hand to a converged role is not seen until the
 * role is repaired for another reason or removed.
 */
export async function readRole(iam: IAMClient, bp: RoleBlueprint, opts: ReadRoleOptions = {}): Promise<RoleSnapshot> {
  const [roleRes, policies, instanceProfile] = await Promise.all([
    orUndefined(iam.send(new GetRoleCommand({ RoleName: bp.roleName }))),
    Promise.all(bp.policies.map((p) => getPolicy(iam, bp.roleName, p.name))),
    readInstanceProfile(iam, bp),
  ]);
  const role = roleRes?.Role;
  if (!role) {
    return {
      roleName: bp.roleName,
      exists: false,
      owned: false,
      owner: { kind: 'none' },
      trustExternalIds: [],
      tags: {},
      inlinePolicies: {},
      attachedPolicyArns: [],
      instanceProfile,
    };
  }

  const inlinePolicies: Record<string, unknown> = {};
  for (const [i, doc] of policies.entries()) if (doc !== undefined) inlinePolicies[bp.policies[i]!.name] = doc;
  const snapshot = snapshotOf(role, bp, opts.principalArn, inlinePolicies, instanceProfile);
  const listInline = opts.complete || (snapshot.owned && snapshot.tags[POLICIES_TAG] !== policySetTag(bp));
  if (listInline || opts.complete) {
    const [names, attached] = await Promise.all([
      listInline ? listPolicyNames(iam, bp.roleName) : Promise.resolve([]),
      opts.complete ? listAttached(iam, bp.roleName) : Promise.resolve([]),
    ]);
    await addListedPolicies(iam, bp.roleName, names, inlinePolicies);
    snapshot.attachedPolicyArns = attached;
  }
  return snapshot;
}

/** The snapshot fields GetRole answers; a new field read from GetRole goes here. */
function snapshotOf(
  role: Role,
  bp: RoleBlueprint,
  principalArn: string | undefined,
  inlinePolicies: Record<string, unknown>,
  instanceProfile: RoleSnapshot['instanceProfile'],
): RoleSnapshot {
  const tags = tagsFromList(role.Tags);
  const trustDocument = decodePolicyDocument(role.AssumeRolePolicyDocument);
  const owner = tagOwner(tags, bp.installationId);
  return {
    roleName: bp.roleName,
    exists: true,
    owned: mayConverge(owner),
    owner,
    ...(role.Arn ? { arn: role.Arn } : {}),
    trustExternalIds: principalArn ? acceptedExternalIds(trustDocument, principalArn) : [],
    tags,
    trustDocument,
    inlinePolicies,
    attachedPolicyArns: [],
    ...(role.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
    instanceProfile,
  };
}

/**
 * Only the external IDs the trust accepts for `principalArn`, in one GetRole: the compare immediately before a
 * trust write. undefined when the role does not exist.
 */
export async function readTrustIds(
  iam: IAMClient,
  bp: RoleBlueprint,
  principalArn: string | undefined,
): Promise<string[] | undefined> {
  const role = (await orUndefined(iam.send(new GetRoleCommand({ RoleName: bp.roleName }))))?.Role;
  if (!role) return undefined;
  return principalArn ? acceptedExternalIds(decodePolicyDocument(role.AssumeRolePolicyDocument), principalArn) : [];
}

/** undefined when the blueprint wants no instance profile; null when it should exist but does not. */
async function readInstanceProfile(iam: IAMClient, bp: RoleBlueprint): Promise<RoleSnapshot['instanceProfile']> {
  if (!bp.instanceProfile) return undefined;
  const res = await orUndefined(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: bp.roleName })));
  const profile = res?.InstanceProfile;
  if (!profile) return null;
  // GetInstanceProfile returns the profile's tags; ours are created with the ownership tags (apply.ts).
  const owner = tagOwner(tagsFromList(profile.Tags), bp.installationId);
  return {
    name: profile.InstanceProfileName ?? bp.roleName,
    roleNames: (profile.Roles ?? []).map((r) => r.RoleName ?? ''),
    owned: mayConverge(owner),
    owner,
  };
}

/** A missing policy (or role) is undefined. */
async function getPolicy(iam: IAMClient, roleName: string, policyName: string): Promise<unknown> {
  const res = await orUndefined(iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })));
  return res ? decodePolicyDocument(res.PolicyDocument) : undefined;
}

/** Listed names not read yet: ours are fetched (the diff compares them); foreign ones are listed (null) for removal. */
async function addListedPolicies(
  iam: IAMClient,
  roleName: string,
  names: string[],
  inlinePolicies: Record<string, unknown>,
): Promise<void> {
  const unread = names.filter((n) => !(n in inlinePolicies));
  for (const name of unread) inlinePolicies[name] = null;
  await Promise.all(
    unread.filter(isOurPolicyName).map(async (name) => {
      const doc = await getPolicy(iam, roleName, name);
      if (doc !== undefined) inlinePolicies[name] = doc;
      else delete inlinePolicies[name];
    }),
  );
}

async function listPolicyNames(iam: IAMClient, roleName: string): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const res = await orUndefined(
      iam.send(new ListRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) })),
    );
    names.push(...(res?.PolicyNames ?? []));
    marker = res?.IsTruncated ? res.Marker : undefined;
  } while (marker);
  return names;
}

async function listAttached(iam: IAMClient, roleName: string): Promise<string[]> {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const res = await orUndefined(
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) })),
    );
    for (const p of res?.AttachedPolicies ?? []) if (p.PolicyArn) arns.push(p.PolicyArn);
    marker = res?.IsTruncated ? res.Marker : undefined;
  } while (marker);
  return arns;
}
