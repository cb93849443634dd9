import { rotateAccount } from '../../lib/account/rotate-account';
import { ConcurrentChangeError } from '../../lib/roles/errors';
import { logger } from '../../lib/log';
import type { Deps } from '../../lib/deps';
import { startWorld, type World } from '../../sim/world';
import { addAccount, depsFor, ownedEntries, protect, trustedIds } from '../support/account-harness';

/**
 * The compare of compare-and-write, one writer at a time so each case is deterministic: a change made by someone
 * else between our read and our write means we write nothing and decide again from what is there.
 */
const ROLE = 'VeeamBackupRole';
let world: World;
let deps: Deps;
beforeAll(async () => {
  world = await startWorld();
  deps = depsFor();
});
afterAll(() => world.stop());

/** What another writer's widening does to the stored trust: accept `extra` too. */
function trustAlso(acct: string, extra: string): void {
  const role = world.iam.role(acct, ROLE)!;
  const doc = JSON.parse(role.trust) as {
    Statement: Array<{ Condition?: { StringEquals?: Record<string, string | string[]> } }>;
  };
  for (const st of doc.Statement) {
    const eq = st.Condition?.StringEquals;
    if (eq?.['sts:ExternalId']) eq['sts:ExternalId'] = [eq['sts:ExternalId']].flat().concat(extra);
  }
  role.trust = JSON.stringify(doc);
}

it('a trust that changed after it was read is not overwritten: ConcurrentChangeError (retryable), no UpdateAssumeRolePolicy', async () => {
  const acct = addAccount(world, '535353535353');
  await protect(deps, acct);
  const roles = await deps.member.roles(acct);
  const bp = deps.blueprints.find((b) => b.roleName === ROLE)!;
  const snapshot = await roles.read(bp);
  const held = snapshot.trustExternalIds[0]!;
  // Someone else rotates the trust to [held, theirs] meanwhile.
  trustAlso(acct, 'TheirNextId-0001');
  expect(trustedIds(world, acct, ROLE)).toEqual([held, 'TheirNextId-0001']);
  const updates = world.iam.callsOf('UpdateAssumeRolePolicy', acct).length;

  const err = await roles
    .ensure(
      bp,
      { principalArn: world.env.VEEAM_PRINCIPAL_ARN!, externalIds: ['MyOwnNewId-0001'], stateTags: {} },
      snapshot,
      { dryRun: false },
    )
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConcurrentChangeError);
  expect(err).toMatchObject({ retryable: true, code: 'ConcurrentChange' });
  expect(world.iam.callsOf('UpdateAssumeRolePolicy', acct)).toHaveLength(updates);
  expect(trustedIds(world, acct, ROLE)).toEqual([held, 'TheirNextId-0001']);
});

it('a trust widened by someone else right after our read: the rotation decides again from what is there', async () => {
  const acct = addAccount(world, '545454545454');
  await protect(deps, acct);
  const held = ownedEntries(world, acct).find((e) => e.roleName === ROLE)!.externalId!;
  // The other writer widened right after our read: simulate by widening in the fake between the two IAM reads.
  let widenedByOther: string | undefined;
  const listener = (call: { command: string; accountId: string }) => {
    if (widenedByOther || call.command !== 'GetRole' || call.accountId !== acct) return;
    if (trustedIds(world, acct, ROLE).length !== 1) return;
    widenedByOther = 'OtherWritersNextId-0001';
    trustAlso(acct, widenedByOther);
  };
  world.iam.afterCall.push(listener);
  const info = jest.spyOn(logger, 'info');
  const report = await rotateAccount(deps, acct, { force: true });
  const redecided = info.mock.calls.filter(([m]) => m === 'another writer changed the role; deciding again');
  info.mockRestore();
  world.iam.afterCall.splice(world.iam.afterCall.indexOf(listener), 1);

  expect(widenedByOther).toBeDefined();
  expect(redecided.length).toBeGreaterThan(0);
  expect(report.error).toBeUndefined();
  // The other writer's trust had no rotation tags, so the state reads as "two IDs, no marker": ours keeps the ID
  // Veeam holds and rotates from there; never a third ID, never a refused one.
  const now = ownedEntries(world, acct).find((e) => e.roleName === ROLE)!.externalId!;
  expect(trustedIds(world, acct, ROLE)).toEqual([now]);
  expect(now).not.toBe(held);
});
