import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { decodePolicyDocument } from './policy-document';
import { isOurPolicyName } from './policies';
import { mayConverge } from '../ownership';
import { tagOwner, tagsFromList } from './tags';
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

/**
 * Everything ensure() needs about one blueprint role, in a fixed handful of calls: GetRole (trust and tags come with
 * it), ListRolePolicies + GetRolePolicy for our policy names, ListAttachedRolePolicies, GetInstanceProfile (tags come
 * with it, so the profile's ownership is known too).
 * `principalArn` selects which trust statement's external IDs are reported.
 */
export async function readRole(iam: IAMClient, bp: RoleBlueprint, principalArn?: string): Promise<RoleSnapshot> {
  const instanceProfileWanted = bp.instanceProfile;
  const profileOf = async (): Promise<RoleSnapshot['instanceProfile']> => {
    if (!instanceProfileWanted) return undefined;
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
  };

  const roleRes = await orUndefined(iam.send(new GetRoleCommand({ RoleName: bp.roleName })));
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
      instanceProfile: await profileOf(),
    };
  }

  const tags = tagsFromList(role.Tags);
  const owner = tagOwner(tags, bp.installationId);
  const trustDocument = decodePolicyDocument(role.AssumeRolePolicyDocument);
  const [policyNames, attached, instanceProfile] = await Promise.all([
    listPolicyNames(iam, bp.roleName),
    listAttached(iam, bp.roleName),
    profileOf(),
  ]);
  const inlinePolicies: Record<string, unknown> = {};
  // Only our documents are fetched; foreign inline policies are listed (null) so remove() can clear them.
  for (const name of policyNames) inlinePolicies[name] = null;
  await Promise.all(
    policyNames.filter(isOurPolicyName).map(async (name) => {
      const res = await orUndefined(iam.send(new GetRolePolicyCommand({ RoleName: bp.roleName, PolicyName: name })));
      if (res) inlinePolicies[name] = decodePolicyDocument(res.PolicyDocument);
      else delete inlinePolicies[name];
    }),
  );

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
    attachedPolicyArns: attached,
    ...(role.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
    instanceProfile,
  };
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
