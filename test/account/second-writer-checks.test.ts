import type { AccountContext } from '../../lib/account/account-context';
import { assertTrustAccepts, assertVeeamHoldsOneOf, decideAgainOnConcurrentChange } from '../../lib/account/concurrent';
import type { Deps } from '../../lib/deps';
import { RetryableError } from '../../lib/errors';
import { ConcurrentChangeError } from '../../lib/roles/errors';
import { externalIdFingerprint } from '../../lib/external-id';
import { logger } from '../../lib/log';
import type { RoleBlueprint } from '../../lib/roles/types';
import { startWorld, type World } from '../../sim/world';
import { addAccount, depsFor, ownedEntries, protect, trustedIds } from '../support/account-harness';

/**
 * The compares of compare-and-write, one at a time against the simulated account and appliance: before a Veeam write
 * the trust must accept the ID about to be pushed; before a trust write the appliance must hold an ID the new trust
 * accepts; a write that lost to another writer is decided again a bounded number of times.
 */
const ROLE = 'VeeamBackupRole';
let world: World;
let deps: Deps;
let bp: RoleBlueprint;
beforeAll(async () => {
  world = await startWorld();
  deps = depsFor();
  bp = deps.blueprints.find((b) => b.roleName === ROLE)!;
});
afterAll(() => world.stop());

async function contextOf(accountId: string): Promise<AccountContext> {
  return {
    deps,
    accountId,
    roles: await deps.member.roles(accountId),
    veeam: await deps.veeam(),
    entries: [],
    entriesComplete: false,
    dryRun: false,
  };
}

async function protectedAccount(id: string): Promise<{ ctx: AccountContext; held: string }> {
  addAccount(world, id);
  await protect(deps, id);
  const held = ownedEntries(world, id).find((e) => e.roleName === ROLE)!.externalId!;
  expect(trustedIds(world, id, ROLE)).toEqual([held]);
  return { ctx: await contextOf(id), held };
}

describe('before a Veeam write: the trust, read now, accepts the ID about to be pushed', () => {
  it('lets the push go ahead when it does, and stops it (retryable, naming the role and account) when it does not', async () => {
    const { ctx, held } = await protectedAccount('616161616161');
    await expect(assertTrustAccepts(ctx, bp, held)).resolves.toBeUndefined();
    const err = await assertTrustAccepts(ctx, bp, 'AnIdTheTrustNeverAccepted-01').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentChangeError);
    expect(err).toMatchObject({ retryable: true, code: 'ConcurrentChange' });
    expect((err as Error).message).toMatch(new RegExp(`trust of ${ROLE} in 616161616161 no longer accepts`));
  });
});

describe('before a trust write: the appliance holds an ID the new trust accepts (or the one the decision repairs)', () => {
  it('lets the write go ahead while Veeam holds one of the new IDs, in any position', async () => {
    const { ctx, held } = await protectedAccount('626262626262');
    await expect(assertVeeamHoldsOneOf(ctx, bp, [held, 'NextId-000000001'])).resolves.toBeUndefined();
    await expect(assertVeeamHoldsOneOf(ctx, bp, ['NextId-000000001', held])).resolves.toBeUndefined();
  });

  it('stops a trust that would reject what Veeam holds (another writer pushed since): nothing written, retryable', async () => {
    const { ctx } = await protectedAccount('636363636363');
    const before = world.iam.callsOf('UpdateAssumeRolePolicy', '636363636363').length;
    const err = await assertVeeamHoldsOneOf(ctx, bp, ['TheirId-00000001', 'TheirId-00000002']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentChangeError);
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toMatch(new RegExp(`entry for ${ROLE} in 636363636363 now holds an ID`));
    expect(world.iam.callsOf('UpdateAssumeRolePolicy', '636363636363')).toHaveLength(before);
  });

  it('lets through the repair of a hand-edited trust: Veeam holds the ID the decision was made from', async () => {
    const { ctx, held } = await protectedAccount('646464646464');
    const decided = externalIdFingerprint(held);
    await expect(assertVeeamHoldsOneOf(ctx, bp, ['TrustsOwnId-00000001'], decided)).resolves.toBeUndefined();
    await expect(
      assertVeeamHoldsOneOf(ctx, bp, ['TrustsOwnId-00000001'], externalIdFingerprint('SomethingElse-0001')),
    ).rejects.toBeInstanceOf(ConcurrentChangeError);
  });

  it('has nothing to compare for a role not registered in Veeam, or an account with no entry of ours', async () => {
    const { ctx } = await protectedAccount('656565656565');
    await expect(
      assertVeeamHoldsOneOf(ctx, { ...bp, register: false }, ['Unrelated-00000001']),
    ).resolves.toBeUndefined();
    addAccount(world, '666666666666');
    const fresh = await contextOf('666666666666');
    await expect(assertVeeamHoldsOneOf(fresh, bp, ['Unrelated-00000001'])).resolves.toBeUndefined();
  });
});

describe('deciding again after another writer', () => {
  let info: jest.SpyInstance;
  let random: jest.SpyInstance;
  beforeEach(() => {
    info = jest.spyOn(logger, 'info');
    random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    info.mockRestore();
    random.mockRestore();
  });

  const lost = () => new ConcurrentChangeError('another writer got in first');
  const decidingAgain = (): unknown[][] =>
    (info.mock.calls as unknown[][]).filter(([m]) => m === 'another writer changed the role; deciding again');

  it('gives up after 4 attempts with the retryable error, so the queue redelivers instead of looping forever', async () => {
    const { ctx } = await protectedAccount('676767676767');
    const slept: number[] = [];
    const attempts: number[] = [];
    const c = { ...ctx, deps: { ...deps, sleep: (ms: number) => (slept.push(ms), Promise.resolve()) } };
    const err = await decideAgainOnConcurrentChange(c, bp, (attempt) => {
      attempts.push(attempt);
      return Promise.reject(lost());
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentChangeError);
    expect(err).toBeInstanceOf(RetryableError);
    expect(attempts).toEqual([0, 1, 2, 3]);
    // A short jittered pause that grows with each loss (Math.random is 0.5 here): 5 + 10·n ms.
    expect(slept).toEqual([15, 25, 35]);
    expect(decidingAgain().map((call) => call[1])).toEqual([
      { accountId: '676767676767', roleName: ROLE, attempt: 1 },
      { accountId: '676767676767', roleName: ROLE, attempt: 2 },
      { accountId: '676767676767', roleName: ROLE, attempt: 3 },
    ]);
  });

  it('decides again from the entries Veeam holds now, and returns the attempt that won', async () => {
    const { ctx } = await protectedAccount('686868686868');
    const c = { ...ctx, deps: { ...deps, sleep: () => Promise.resolve() } };
    expect(c.entries).toEqual([]);
    const out = await decideAgainOnConcurrentChange(c, bp, (attempt) =>
      attempt < 2 ? Promise.reject(lost()) : Promise.resolve(`won on attempt ${attempt}`),
    );
    expect(out).toBe('won on attempt 2');
    expect(c.entries.map((e) => e.name).sort()).toEqual(
      ownedEntries(world, '686868686868')
        .map((e) => e.name)
        .sort(),
    );
    expect(decidingAgain()).toHaveLength(2);
  });

  it('does not retry any other failure', async () => {
    const { ctx } = await protectedAccount('696969696969');
    let calls = 0;
    const err = await decideAgainOnConcurrentChange(ctx, bp, () => {
      calls++;
      return Promise.reject(new RetryableError('appliance busy'));
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'appliance busy' });
    expect(calls).toBe(1);
    expect(decidingAgain()).toHaveLength(0);
  });
});
