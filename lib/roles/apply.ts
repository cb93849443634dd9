import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { RoleOp } from './diff';
import { ownershipTags, tagsToList } from './tags';
import type { RoleBlueprint } from './types';

/** Executes one planned write. Errors propagate: the store decides whether a re-read can resolve them. */
export async function applyOp(iam: IAMClient, bp: RoleBlueprint, op: RoleOp): Promise<void> {
  const RoleName = bp.roleName;
  switch (op.kind) {
    case 'create-role':
      // MaxSessionDuration left at IAM's default (1 h): Veeam's sessions are short and renewed by the appliance.
      await iam.send(
        new CreateRoleCommand({
          RoleName,
          AssumeRolePolicyDocument: JSON.stringify(op.trust),
          Description: bp.description,
          Tags: tagsToList(op.tags),
          ...(op.permissionsBoundaryArn ? { PermissionsBoundary: op.permissionsBoundaryArn } : {}),
        }),
      );
      return;
    case 'update-trust':
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(op.trust) }));
      return;
    case 'put-policy':
      await iam.send(
        new PutRolePolicyCommand({ RoleName, PolicyName: op.policyName, PolicyDocument: JSON.stringify(op.document) }),
      );
      return;
    case 'delete-policy':
      await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: op.policyName }));
      return;
    case 'detach-policy':
      await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: op.policyArn }));
      return;
    case 'tag-role':
      await iam.send(new TagRoleCommand({ RoleName, Tags: tagsToList(op.tags) }));
      return;
    case 'untag-role':
      await iam.send(new UntagRoleCommand({ RoleName, TagKeys: op.keys }));
      return;
    case 'create-instance-profile':
      await iam.send(
        new CreateInstanceProfileCommand({ InstanceProfileName: RoleName, Tags: tagsToList(ownershipTags(bp)) }),
      );
      return;
    case 'tag-instance-profile':
      await iam.send(
        new TagInstanceProfileCommand({ InstanceProfileName: RoleName, Tags: tagsToList(ownershipTags(bp)) }),
      );
      return;
    case 'add-role-to-instance-profile':
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: RoleName, RoleName }));
      return;
    case 'remove-role-from-instance-profile':
      await iam.send(
        new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: RoleName, RoleName: op.roleName }),
      );
      return;
    case 'delete-instance-profile':
      await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: RoleName }));
      return;
    case 'delete-role':
      await iam.send(new DeleteRoleCommand({ RoleName }));
      return;
  }
}
