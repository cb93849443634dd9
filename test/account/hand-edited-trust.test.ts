import { convergeAccount } from '../../lib/account/converge-account';
import type { Deps } from '../../lib/deps';
import { startWorld, type World } from '../../sim/world';
import { addAccount, depsFor, ownedEntries, protect, trustedIds } from '../support/account-harness';

/**
 * The compare-and-write before a trust write must tell "another writer pushed an ID since" from "Veeam held this ID
 * when the decision was made": a trust edited by hand away from Veeam's ID is repaired, not retried forever.
 */
const ROLE = 'VeeamBackupRole';
let world: World;
let deps: Deps;

beforeAll(async () => {
  world = await startWorld();
  deps = depsFor({ sleep: () => Promise.resolve() });
});
afterAll(() => world.stop());

function setTrustIds(accountId: string, ids: string[]): void {
  const role = world.iam.role(accountId, ROLE)!;
  const doc = JSON.parse(role.trust) as {
    Statement: Array<{ Condition?: { StringEquals?: Record<string, unknown> } }>;
  };
  for (const st of doc.Statement) {
    const eq = st.Condition?.StringEquals;
    if (eq?.['sts:ExternalId']) eq['sts:ExternalId'] = ids;
  }
  role.trust = JSON.stringify(doc);
}

it('a trust edited by hand to IDs Veeam does not hold is repaired in one sync, and Veeam holds an accepted ID', async () => {
  const account = addAccount(world, '616161616161');
  await protect(deps, account);
  setTrustIds(account, ['HandSetId-0001', 'HandSetId-0002']);

  const report = await convergeAccount(deps, account, { dryRun: false, reason: 'test' });

  expect(report.error).toBeUndefined();
  expect(report.action).not.toBe('error');
  const held = ownedEntries(world, account).find((e) => e.roleName === ROLE)!.externalId!;
  expect(trustedIds(world, account, ROLE)).toContain(held);
});
