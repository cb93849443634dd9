import type { World } from '../sim/world';

const ACCESS_ROLE = 'VeeamOrgSyncAccess';
const BOUNDARY_POLICY = 'VeeamOrgSyncBoundary';

/**
 * Checks of the dedicated member access (MEMBER_ACCESS=dedicated, the default) for an account the simulated
 * StackSet reached only after its first sync: that sync found no access role and was retried through the queue, the
 * service only ever assumed the access role, and the roles it created carry the permissions boundary.
 */
export function checkDedicatedAccess(w: World, accountId: string, check: (what: string, ok: boolean) => void): void {
  const assumes = w.iam.callsOf('AssumeRole').filter((c) => String(c.input.RoleArn).includes(`::${accountId}:`));
  check(
    `${accountId}: the first sync found no ${ACCESS_ROLE} yet (the StackSet had not reached the account) and was retried`,
    assumes.length >= 2 && assumes[0]?.error === 'AccessDenied' && assumes.at(-1)?.error === undefined,
  );
  check(
    `the service assumed only ${ACCESS_ROLE}, never an administrator role`,
    w.iam.callsOf('AssumeRole').every((c) => String(c.input.RoleArn).endsWith(`:role/${ACCESS_ROLE}`)),
  );
  const boundary = `arn:aws:iam::${accountId}:policy/${BOUNDARY_POLICY}`;
  check(
    `${accountId}: both roles carry the ${BOUNDARY_POLICY} permissions boundary`,
    ['VeeamBackupRole', 'VeeamWorkerRole'].every((r) => w.iam.role(accountId, r)?.boundary === boundary),
  );
}
