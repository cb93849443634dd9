import { MANAGED_TAG } from './tags';
import type { RoleBlueprint } from './types';

/** What an operator reads when a same-named role is not ours, and what to do about it. */
export function roleConflictReason(bp: Pick<RoleBlueprint, 'roleName'>, accountId: string): string {
  return `role ${bp.roleName} in ${accountId} exists without the tag ${MANAGED_TAG}=true, so it is not ours and was not modified. Rename or delete it, or set BACKUP_ROLE_NAME / WORKER_ROLE_NAME to another name.`;
}

export function profileConflictReason(bp: Pick<RoleBlueprint, 'roleName'>, accountId: string): string {
  return (
    `instance profile ${bp.roleName} in ${accountId} exists without the tag ${MANAGED_TAG}=true, so it is not ours: neither it nor role ${bp.roleName} was modified. ` +
    `Delete that instance profile (IAM cannot rename one: recreate it under another name if something uses it), or set BACKUP_ROLE_NAME / WORKER_ROLE_NAME to another name.`
  );
}
