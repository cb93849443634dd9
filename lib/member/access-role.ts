import type { Config } from '../config';

/** The roles to assume in member accounts, in order: only the access role, or the configured existing roles. */
export function memberRoleNamesFor(c: Pick<Config, 'memberAccess' | 'accessRoleName' | 'memberRoleNames'>): string[] {
  return c.memberAccess === 'dedicated' ? [c.accessRoleName] : c.memberRoleNames;
}
