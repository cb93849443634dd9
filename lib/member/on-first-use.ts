import { memoUntilFailure } from '../util/memo-until-failure';
import type { MemberAccessOptions } from './member-access';
import type { MemberAccess } from './types';

/**
 * Member access whose STS and IAM code loads when an account is first entered. The reconcile and rotate functions
 * plan from Organizations and the appliance and enter accounts only on a dry run that is deep or names accounts:
 * their bundles keep this code in a chunk that a cold start does not load. One StsMemberAccess behind it, so its
 * caches live as long.
 */
export function memberAccessOnFirstUse(options: MemberAccessOptions): MemberAccess {
  const access = memoUntilFailure(async () => new (await import('./member-access')).StsMemberAccess(options));
  return { roles: async (accountId) => (await access.get()).roles(accountId) };
}
