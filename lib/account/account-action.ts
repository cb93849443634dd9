import type { AccountAction, RoleReport } from './account-report';

/** One word per account for plans, tables and metrics; the most significant thing that happened wins. */
export function accountAction(roles: RoleReport[]): AccountAction {
  if (roles.some((r) => r.role === 'conflict' || r.veeam === 'conflict')) return 'conflict';
  if (roles.some((r) => r.rotation && r.rotation !== 'in-progress')) return 'rotate';
  if (roles.some((r) => r.role === 'created')) return 'create';
  if (roles.some((r) => r.role === 'repaired')) return 'repair';
  if (roles.some((r) => r.veeam === 'created')) return 'register';
  if (roles.some((r) => r.veeam === 'updated')) return 'update';
  if (roles.some((r) => r.role === 'removed' || r.veeam === 'removed' || r.veeam === 'refused')) return 'offboard';
  return 'ok';
}
