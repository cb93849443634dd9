import { describeOwner, type Owner } from '../ownership';
import { MANAGED_TAG } from './tags';
import type { RoleBlueprint } from './types';

type Named = Pick<RoleBlueprint, 'roleName' | 'installationId'>;

function whose(thing: string, bp: Named, owner: Owner | undefined): string {
  if (owner?.kind === 'other')
    return `${thing} carries ${MANAGED_TAG}=${owner.installationId}: ${describeOwner(owner)}, not by this installation (${bp.installationId})`;
  return `${thing} exists without the tag ${MANAGED_TAG}=${bp.installationId}, so it is not ours`;
}

const FIX_OTHER =
  'Two installations must not protect the same account: change SCOPE_OU_IDS or EXCLUDED_ACCOUNT_IDS of one of them.';

/** What an operator reads when a same-named role is not ours, and what to do about it. */
export function roleConflictReason(bp: Named, accountId: string, owner?: Owner): string {
  const fix =
    owner?.kind === 'other'
      ? FIX_OTHER
      : 'Rename or delete it, or set BACKUP_ROLE_NAME / WORKER_ROLE_NAME to another name.';
  return `${whose(`role ${bp.roleName} in ${accountId}`, bp, owner)} and was not modified. ${fix}`;
}

export function profileConflictReason(bp: Named, accountId: string, owner?: Owner): string {
  const fix =
    owner?.kind === 'other'
      ? FIX_OTHER
      : 'Delete that instance profile (IAM cannot rename one: recreate it under another name if something uses it), or set BACKUP_ROLE_NAME / WORKER_ROLE_NAME to another name.';
  return `${whose(`instance profile ${bp.roleName} in ${accountId}`, bp, owner)}: neither it nor role ${bp.roleName} was modified. ${fix}`;
}

/**
 * A role with our name and tag but without our boundary (created by hand, by an older version through an administrator
 * role, or in the management account before it was entered through the access role). The access role may never set
 * a boundary, so it cannot adopt it: an administrator decides whether it is ours.
 */
export function boundaryConflictReason(
  bp: Named,
  accountId: string,
  wanted: string,
  actual: string | undefined,
): string {
  const name = wanted.split('/').pop();
  return (
    `role ${bp.roleName} in ${accountId} carries ${actual ? `the permissions boundary ${actual.split('/').pop()}` : 'no permissions boundary'}, not ${name}, ` +
    `so it was not modified (the access role may only create roles with ${name}, never put a boundary on an existing one). ` +
    `If it is ours, an administrator of that account deletes it (it is recreated with the boundary on the next sync) ` +
    `or runs: aws iam put-role-permissions-boundary --role-name ${bp.roleName} --permissions-boundary ${wanted}`
  );
}
