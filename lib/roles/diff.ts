import { externalIdFingerprint } from '../external-id';
import { grantedActions, isOurPolicyName, renderPolicy } from './policies';
import { policiesEquivalent, type PolicyDocument } from './policy-document';
import { desiredTags, tagDiff } from './tags';
import { trustDocument, trustEquivalent } from './trust';
import type { DesiredTrust, RoleBlueprint, RoleChange, RoleChangeKind, RoleSnapshot } from './types';

/** What each kind of IAM write carries besides its human-readable `detail`; keyed by every RoleChangeKind. */
type OpFields = {
  'create-role': { trust: PolicyDocument; tags: Record<string, string>; permissionsBoundaryArn?: string };
  'update-trust': { trust: PolicyDocument };
  'put-policy': { policyName: string; document: PolicyDocument };
  'delete-policy': { policyName: string };
  'detach-policy': { policyArn: string };
  'tag-role': { tags: Record<string, string> };
  'untag-role': { keys: string[] };
  'create-instance-profile': object;
  'tag-instance-profile': object;
  'add-role-to-instance-profile': object;
  'remove-role-from-instance-profile': { roleName: string };
  'delete-instance-profile': object;
  'delete-role': object;
};

/** One IAM write, with the human-readable change it makes. Executed in array order by apply.ts. */
export type RoleOp = { [K in RoleChangeKind]: { kind: K; detail: string } & OpFields[K] }[RoleChangeKind];

export function toChange(op: RoleOp): RoleChange {
  return { kind: op.kind, detail: op.detail };
}

/** External IDs appear in change details only as fingerprints: reports and logs must never carry the ID itself. */
function fingerprints(ids: string[]): string {
  return ids.length ? ids.map((id) => `#${externalIdFingerprint(id)}`).join(', ') : 'none';
}

function trustDetail(snapshot: RoleSnapshot, trust: DesiredTrust): string {
  // read() reports the IDs for the appliance principal, the one `trust` names (both come from VEEAM_PRINCIPAL_ARN).
  const before = snapshot.trustExternalIds;
  const after = trust.externalIds;
  const idsChanged = before.length !== after.length || before.some((id, i) => id !== after[i]);
  if (idsChanged)
    return `trust: accepted external IDs for ${trust.principalArn} ${fingerprints(before)} -> ${fingerprints(after)}`;
  return `trust: policy restored to the appliance principal ${trust.principalArn} and the blueprint's service principals`;
}

function policyDetail(name: string, current: unknown, desired: PolicyDocument): string {
  if (current === undefined || current === null) return `inline policy ${name}: added`;
  const have = grantedActions(current);
  const want = grantedActions(desired);
  const missing = [...want].filter((a) => !have.has(a)).length;
  const extra = [...have].filter((a) => !want.has(a)).length;
  if (missing || extra) return `inline policy ${name}: rewritten (${missing} action(s) missing, ${extra} unexpected)`;
  return `inline policy ${name}: rewritten (statements differed from the blueprint)`;
}

/**
 * The minimal list of writes turning `snapshot` into blueprint + trust. Empty for a converged role, which is what
 * makes a second run write nothing. The caller has already checked ownership of the role and of its instance
 * profile; an instance profile that is not ours is never written to, whatever it holds.
 */
export function planRole(
  bp: RoleBlueprint,
  trust: DesiredTrust,
  snapshot: RoleSnapshot,
  /** The boundary every role must carry (dedicated member access); undefined: boundaries are not managed. */
  permissionsBoundaryArn?: string,
): RoleOp[] {
  const ops: RoleOp[] = [];
  const wantTrust = trustDocument(trust, bp.trustServices);
  const wantTags = desiredTags(bp, trust.stateTags);

  if (!snapshot.exists) {
    ops.push({
      kind: 'create-role',
      detail: `role ${bp.roleName}: created${permissionsBoundaryArn ? ` (permissions boundary ${permissionsBoundaryArn.split('/').pop()})` : ''}`,
      trust: wantTrust,
      tags: wantTags,
      ...(permissionsBoundaryArn ? { permissionsBoundaryArn } : {}),
    });
  } else {
    // A boundary is only ever given at CreateRole: an existing role without ours never reaches this plan (a conflict,
    // lib/roles/iam-role-store.ts), since setting one would adopt whatever role happens to carry our name.
    if (!trustEquivalent(snapshot.trustDocument, wantTrust))
      ops.push({ kind: 'update-trust', detail: trustDetail(snapshot, trust), trust: wantTrust });
  }

  const wanted = new Set(bp.policies.map((p) => p.name));
  for (const policy of bp.policies) {
    const doc = renderPolicy(policy);
    const current = snapshot.inlinePolicies[policy.name];
    if (!policiesEquivalent(current, doc))
      ops.push({
        kind: 'put-policy',
        detail: policyDetail(policy.name, current, doc),
        policyName: policy.name,
        document: doc,
      });
  }
  for (const name of Object.keys(snapshot.inlinePolicies).sort()) {
    if (isOurPolicyName(name) && !wanted.has(name))
      ops.push({
        kind: 'delete-policy',
        detail: `inline policy ${name}: removed (not in blueprint ${bp.key})`,
        policyName: name,
      });
  }
  if (snapshot.exists) {
    // After the policy writes: the policies tag says "no other policy of ours is here" (lib/roles/read.ts), so a
    // crash before the deletes must leave the old tag, and the next read lists again.
    const { set, remove } = tagDiff(snapshot.tags, wantTags);
    if (Object.keys(set).length)
      ops.push({ kind: 'tag-role', detail: `tags set: ${Object.keys(set).sort().join(', ')}`, tags: set });
    if (remove.length) ops.push({ kind: 'untag-role', detail: `tags removed: ${remove.join(', ')}`, keys: remove });
  }

  if (bp.instanceProfile) {
    const profile = snapshot.instanceProfile;
    if (!profile) {
      ops.push({ kind: 'create-instance-profile', detail: `instance profile ${bp.roleName}: created` });
      ops.push({ kind: 'add-role-to-instance-profile', detail: `instance profile ${bp.roleName}: role added` });
    } else if (profile.owned && profile.owner.kind !== 'ours') {
      // Written before installation ids: adopted, so it carries our id from now on.
      ops.push({ kind: 'tag-instance-profile', detail: `instance profile ${bp.roleName}: ownership tag set` });
    }
    if (profile?.owned && !profile.roleNames.includes(bp.roleName)) {
      // An instance profile holds at most one role; whatever is in ours must make room.
      for (const other of profile.roleNames) {
        ops.push({
          kind: 'remove-role-from-instance-profile',
          detail: `instance profile ${bp.roleName}: foreign role ${other} removed`,
          roleName: other,
        });
      }
      ops.push({ kind: 'add-role-to-instance-profile', detail: `instance profile ${bp.roleName}: role added` });
    }
  }
  return ops;
}

/**
 * Teardown in the order IAM requires (a role with policies or in a profile cannot be deleted). An instance profile
 * of our role's name that is not ours is left alone, even if it holds our role: IAM then refuses DeleteRole
 * (DeleteConflict), which is reported rather than worked around.
 */
export function planRemoval(bp: RoleBlueprint, snapshot: RoleSnapshot): RoleOp[] {
  const ops: RoleOp[] = [];
  const profile = snapshot.instanceProfile;
  // Only what carries our own id is removed. A profile written before installation ids goes only with a role of ours
  // (a crash between stamping the role and stamping its profile), or the role could never be deleted.
  const profileOurs =
    profile?.owner.kind === 'ours' || (profile?.owner.kind === 'legacy' && snapshot.owner.kind === 'ours');
  if (bp.instanceProfile && profile && profileOurs) {
    if (profile.roleNames.includes(bp.roleName)) {
      ops.push({
        kind: 'remove-role-from-instance-profile',
        detail: `instance profile ${bp.roleName}: role removed`,
        roleName: bp.roleName,
      });
    }
    // Ours, but holding someone else's role (added by hand): deleting it would take their role out of it.
    if (profile.roleNames.every((r) => r === bp.roleName))
      ops.push({ kind: 'delete-instance-profile', detail: `instance profile ${bp.roleName}: deleted` });
  }
  if (!snapshot.exists) return ops;
  for (const name of Object.keys(snapshot.inlinePolicies).sort())
    ops.push({ kind: 'delete-policy', detail: `inline policy ${name}: deleted`, policyName: name });
  for (const arn of snapshot.attachedPolicyArns)
    ops.push({ kind: 'detach-policy', detail: `managed policy ${arn}: detached`, policyArn: arn });
  ops.push({ kind: 'delete-role', detail: `role ${bp.roleName}: deleted` });
  return ops;
}
