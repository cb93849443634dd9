import type { Deps } from '../../lib/deps';
import { rotateAccount, type RotationPhase } from '../../lib/account/rotate-account';
import { APPLIANCE_ROLE_ARN, startWorld, type World } from '../../sim/world';
import { addAccount, convergedProblems, depsFor, ownedEntries, protect, trustedIds } from '../support/account-harness';

/**
 * A rotation proves itself with a Veeam rescan against the stricter simulator: the session runs for a poll and
 * fails when the role's trust (evaluated by the IAM/STS fake) does not accept the ID the appliance holds. Here
 * the appliance's view of IAM lags behind (IAM is eventually consistent): the push lands before the widened trust
 * is visible, and the rotation's own verification catches it instead of narrowing.
 */
const ROLE = 'VeeamBackupRole';
let world: World;
let deps: Deps;
beforeAll(async () => {
  world = await startWorld();
  deps = depsFor();
});
afterAll(() => world.stop());

/** From the next successful PUT of `roleName`'s entry on, the role's trust is seen as it was before (until undone). */
function trustLagsAfterPush(acct: string, roleName: string) {
  const role = world.iam.role(acct, roleName)!;
  const before = role.trust;
  let widened: string | undefined;
  const listener = (r: { method: string; path: string; status: number }) => {
    const entry = ownedEntries(world, acct).find((e) => e.roleName === roleName)!;
    if (widened === undefined && r.method === 'PUT' && r.path.endsWith(entry.id) && r.status === 200) {
      widened = role.trust;
      role.trust = before;
    }
  };
  world.veeam.state.afterRequest.push(listener);
  return {
    hit: () => widened !== undefined,
    propagate: () => {
      world.veeam.state.afterRequest.splice(world.veeam.state.afterRequest.indexOf(listener), 1);
      if (widened) role.trust = widened;
    },
  };
}

it('a push the appliance cannot use yet fails verification: no narrowing, retryable; the next run verifies and narrows', async () => {
  const acct = addAccount(world, '515151515151');
  await protect(deps, acct);
  const old = ownedEntries(world, acct).find((e) => e.roleName === ROLE)!.externalId!;
  const lag = trustLagsAfterPush(acct, ROLE);
  const rescansBefore = world.veeam.state.count('POST /api/v1/accounts/amazon/{id}/rescan');

  const first = await rotateAccount(deps, acct, { force: true });
  expect(lag.hit()).toBe(true);
  expect(first.action).toBe('error');
  expect(first.error).toMatchObject({ code: 'RotationNotVerified', retryable: true });
  expect(first.error?.message).toMatch(/both IDs stay trusted/);
  expect(world.veeam.state.count('POST /api/v1/accounts/amazon/{id}/rescan')).toBe(rescansBefore + 1);
  const pushed = ownedEntries(world, acct).find((e) => e.roleName === ROLE)!.externalId!;
  expect(pushed).not.toBe(old);

  // IAM catches up: both IDs are trusted, the rotation resumes at verification (no second push, no new ID).
  lag.propagate();
  expect(trustedIds(world, acct, ROLE)).toEqual([old, pushed]);
  const phases: RotationPhase[] = [];
  const second = await rotateAccount(deps, acct, { onPhase: (_a, role, p) => role === ROLE && phases.push(p) });
  expect(second.action).toBe('rotate');
  expect(phases).toEqual(['verified', 'narrowed']);
  expect(trustedIds(world, acct, ROLE)).toEqual([pushed]);
  expect(world.iam.canAssume(acct, ROLE, APPLIANCE_ROLE_ARN, pushed)).toBe(true);
  expect(convergedProblems(world, acct)).toEqual([]);
});
