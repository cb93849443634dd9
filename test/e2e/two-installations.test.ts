import { runCli } from '../../bin/cli';
import { loadConfig } from '../../lib/config';
import type { Deps } from '../../lib/deps';
import type { ReconcileReport } from '../../lib/fleet/reconcile';
import { MANAGED_TAG } from '../../lib/roles/tags';
import { buildDeps } from '../../lib/wiring';
import { entryDescription, parseEntryDescription } from '../../lib/registration';
import { startWorld, type World } from '../../sim/world';
import { addAccount, invariantHolds, protect } from '../support/account-harness';

/**
 * Two installations (two teams, or two stages) share one appliance and one organization, both with
 * OFFBOARD_MODE=delete: team-a runs as the deployed Lambdas (the world's environment), team-b as the CLI. Neither
 * may ever modify or remove what the other wrote; entries and roles written before installation ids are adopted by
 * the installation whose scope holds the account, and never removed by anyone.
 */
const OU_A = 'ou-ab12-aaaaaaaa';
const OU_B = 'ou-ab12-bbbbbbbb';
const OU_C = 'ou-ab12-cccccccc';
const ROLES = ['VeeamBackupRole', 'VeeamWorkerRole'] as const;
const A = ['610000000001', '610000000002', '610000000003'];
const B = ['620000000001', '620000000002', '620000000003'];
const LEGACY_IN_A = '630000000001';
const LEGACY_ELSEWHERE = '630000000002';

let world: World;
let depsB: Deps;

const quiet = { out: () => undefined, err: () => undefined };

/** Installation team-b through the CLI, as its operator runs it; returns the exit code and the JSON report. */
async function reconcileB(scope = OU_B): Promise<{ code: number; report: ReconcileReport }> {
  depsB = buildDeps({
    config: loadConfig({
      ...process.env,
      INSTALLATION_ID: 'team-b',
      ACCESS_ROLE_NAME: 'VeeamOrgSyncAccessTeamB',
      SCOPE_OU_IDS: scope,
    }),
    purpose: 'cli',
  });
  let json = '';
  const code = await runCli(['reconcile', '--json'], { out: (t) => (json = t), err: () => undefined }, depsB);
  return { code, report: (JSON.parse(json) as { report: ReconcileReport }).report };
}

/** Installation team-a as deployed: the scheduled reconcile Lambda fans out, the worker converges. */
async function reconcileA(): Promise<ReconcileReport> {
  const report = (await world.invokeReconcile({ dryRun: false })) as ReconcileReport;
  await world.drain();
  return report;
}

/** Whose the account's entries and roles are: one installation id per thing, or 'legacy' / 'none'. */
function ownersOf(accountId: string): string[] {
  const entries = world.veeam.state
    .list()
    .filter((e) => e.accountId === accountId)
    .map((e) => {
      const d = parseEntryDescription(e.description);
      return `entry ${e.roleName}: ${d.owned ? (d.installationId ?? 'legacy') : 'none'}`;
    });
  const roles = ROLES.map((r) => {
    const tag = world.iam.role(accountId, r)?.tags.get(MANAGED_TAG);
    return `role ${r}: ${tag === undefined ? 'none' : tag === 'true' ? 'legacy' : tag}`;
  });
  const profile = world.iam.account(accountId).instanceProfiles.get('VeeamWorkerRole')?.tags.get(MANAGED_TAG);
  return [
    ...entries.sort(),
    ...roles,
    `profile: ${profile === undefined ? 'none' : profile === 'true' ? 'legacy' : profile}`,
  ];
}

const protectedBy = (id: string) => [
  `entry VeeamBackupRole: ${id}`,
  `entry VeeamWorkerRole: ${id}`,
  `role VeeamBackupRole: ${id}`,
  `role VeeamWorkerRole: ${id}`,
  `profile: ${id}`,
];

/** Everything either installation could have written, to compare before and after. */
function snapshot(accountIds: string[]): string {
  return JSON.stringify(
    accountIds.map((id) => ({
      id,
      entries: world.veeam.state
        .list()
        .filter((e) => e.accountId === id)
        .map((e) => [e.id, e.name, e.description, e.externalId]),
      roles: ROLES.map((r) => {
        const role = world.iam.role(id, r);
        return role && [role.trust, [...role.tags], [...role.inline]];
      }),
    })),
  );
}

/** Turns an account protected by team-a into one protected before installation ids existed. */
function makeLegacy(accountId: string): void {
  for (const e of world.veeam.state.list().filter((x) => x.accountId === accountId)) {
    const d = parseEntryDescription(e.description);
    e.description = entryDescription(e.roleName, e.externalId!, d.issuedAt);
  }
  for (const r of ROLES) world.iam.role(accountId, r)!.tags.set(MANAGED_TAG, 'true');
  world.iam.account(accountId).instanceProfiles.get('VeeamWorkerRole')!.tags.set(MANAGED_TAG, 'true');
}

beforeAll(async () => {
  world = await startWorld({
    offboardMode: 'delete',
    scopeOuIds: (org) => {
      for (const ou of [OU_A, OU_B, OU_C]) org.createOu(org.rootId, ou);
      return [OU_A];
    },
    env: { INSTALLATION_ID: 'team-a' },
    // Each installation deploys its own access role and boundary (names per installation) into every account.
    otherInstallations: [{ accessRoleName: 'VeeamOrgSyncAccessTeamB', installationId: 'team-b' }],
  });
  world.org.createAccount({ id: world.org.managementAccountId, name: 'management' });
  for (const id of A) addAccount(world, id, OU_A);
  for (const id of B) addAccount(world, id, OU_B);
  addAccount(world, LEGACY_IN_A, OU_A);
  addAccount(world, LEGACY_ELSEWHERE, OU_C);
  // Both were protected before installation ids existed (an upgrade from the previous release).
  const before = buildDeps({ config: loadConfig({ ...process.env, SCOPE_OU_IDS: '' }) });
  for (const id of [LEGACY_IN_A, LEGACY_ELSEWHERE]) {
    await protect(before, id);
    makeLegacy(id);
  }
}, 60_000);
afterAll(() => world.stop());

describe('two installations on one appliance and one organization, both with OFFBOARD_MODE=delete', () => {
  it('each protects exactly its own scope, and adopts legacy entries only in its scope', async () => {
    const a = await reconcileA();
    const b = await reconcileB();
    expect(b.code).toBe(0);
    for (const id of [...A, LEGACY_IN_A]) expect(ownersOf(id)).toEqual(protectedBy('team-a'));
    for (const id of B) expect(ownersOf(id)).toEqual(protectedBy('team-b'));
    // Outside both scopes: written before installation ids, so nobody adopts it and nobody removes it.
    expect(ownersOf(LEGACY_ELSEWHERE)).toEqual(protectedBy('legacy'));
    for (const id of [...A, ...B, LEGACY_IN_A, LEGACY_ELSEWHERE]) expect(invariantHolds(world, id)).toEqual([]);
    // Neither plans anything for the other's accounts: nothing to offboard, nothing held.
    for (const r of [a, b.report]) expect(r.offboardGuard).toMatchObject({ held: false, wouldOffboard: 0 });
    expect(b.report.accounts.map((x) => x.accountId).sort()).toEqual(B);
    // The management account sits under the root, outside both scopes; it has no roles either way.
    expect(world.iam.role(world.org.managementAccountId, 'VeeamBackupRole')).toBeUndefined();
  });

  it('running both again writes nothing anywhere', async () => {
    const writes = { iam: world.iam.writes().length, veeam: world.veeam.state.writes() };
    await reconcileA();
    expect((await reconcileB()).code).toBe(0);
    expect({ iam: world.iam.writes().length, veeam: world.veeam.state.writes() }).toEqual(writes);
  });

  it("an overlapping scope meets the other installation's entries and roles as conflicts and leaves them as they are", async () => {
    const mine = snapshot([...A, LEGACY_IN_A]);
    const { code, report } = await reconcileB(`${OU_B},${OU_A}`);
    expect(code).toBe(1);
    expect(snapshot([...A, LEGACY_IN_A])).toBe(mine);
    for (const id of [...A, LEGACY_IN_A]) {
      const n = report.notProtected.find((x) => x.accountId === id);
      expect(n?.reason).toMatch(/owned by installation team-a/);
    }
    // A forced rotation by team-b on team-a's account rotates nothing.
    expect(await runCli(['rotate', '--account', A[0]!, '--force'], quiet, depsB)).toBe(1);
    expect(snapshot([...A, LEGACY_IN_A])).toBe(mine);
    // And back to its own scope: team-a's accounts are out of team-b's scope, and none of them is offboarded.
    const back = await reconcileB();
    expect(back.code).toBe(0);
    expect(back.report.offboardGuard).toMatchObject({ held: false, wouldOffboard: 0 });
    expect(snapshot([...A, LEGACY_IN_A])).toBe(mine);
  });

  it('an account moved from one scope to the other is handed over: team-a removes its own, team-b protects it', async () => {
    const moved = A[2]!;
    world.org.moveAccount(moved, OU_B);
    const others = snapshot(B);
    const a = await reconcileA();
    expect(a.offboardGuard).toMatchObject({ held: false, wouldOffboard: 1, accounts: [moved] });
    expect(ownersOf(moved)).toEqual(['role VeeamBackupRole: none', 'role VeeamWorkerRole: none', 'profile: none']);
    expect(snapshot(B)).toBe(others);
    expect((await reconcileB()).code).toBe(0);
    expect(ownersOf(moved)).toEqual(protectedBy('team-b'));
    expect(invariantHolds(world, moved)).toEqual([]);
    for (const id of [A[0]!, A[1]!, LEGACY_IN_A]) expect(ownersOf(id)).toEqual(protectedBy('team-a'));
    for (const id of B) expect(ownersOf(id)).toEqual(protectedBy('team-b'));
    expect(ownersOf(LEGACY_ELSEWHERE)[0]).toBe('entry VeeamBackupRole: legacy');
  });

  it('nobody offboards entries written before installation ids, even with the account in nobody’s scope', async () => {
    const r = await runCli(['sync', LEGACY_ELSEWHERE], quiet, depsB);
    expect(r).toBe(0);
    expect(ownersOf(LEGACY_ELSEWHERE)).toEqual(protectedBy('legacy'));
  });
});
