import { openAccount, type AccountContext } from '../../lib/account/account-context';
import { assertTrustAccepts, assertVeeamHoldsOneOf, decideAgainOnConcurrentChange } from '../../lib/account/concurrent';
import type { Deps } from '../../lib/deps';
import { externalIdFingerprint } from '../../lib/external-id';
import { logger } from '../../lib/log';
import { entryDescription } from '../../lib/registration';
import { ConcurrentChangeError } from '../../lib/roles/errors';
import type { RoleBlueprint } from '../../lib/roles/types';
import { startWorld, type World } from '../../sim/world';
import { addAccount, depsFor, ownedEntries, protect, trustedIds } from '../support/account-harness';

/**
 * The two compares of compare-and-write and the bounded re-decision around them, one call at a time against the
 * simulated appliance and IAM: what another writer changed must stop our write, and what did not must not.
 */
const ROLE = 'VeeamBackupRole';
let world: World;
let sleeps: number[];
let deps: Deps;

beforeAll(async () => {
  world = await startWorld();
  deps = depsFor({
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
});
beforeEach(() => (sleeps = []));
afterAll(() => world.stop());

async function protectedAccount(id: string): Promise<{ ctx: AccountContext; bp: RoleBlueprint; held: string }> {
  addAccount(world, id);
  await protect(deps, id);
  const bp = deps.blueprints.find((b) => b.roleName === ROLE)!;
  const held = ownedEntries(world, id).find((e) => e.roleName === ROLE)!.externalId!;
  return { ctx: await openAccount(deps, id, false), bp, held };
}

/** Entry listings the appliance answered since `since` (the compare reads Veeam, not the plan's listing). */
function listingsSince(since: number): number {
  return world.veeam.state.count('GET /api/v1/accounts/amazon') - since;
}

describe('before a trust write: the appliance must hold an ID the new trust accepts', () => {
  it('stops the write when another writer pushed an ID the new trust would not accept', async () => {
    const { ctx, bp, held } = await protectedAccount('710000000001');
    const err = await assertVeeamHoldsOneOf(ctx, bp, ['OurNextId-0001']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentChangeError);
    expect((err as Error).message).toBe(
      `Veeam's entry for ${ROLE} in 710000000001 now holds an ID the new trust would not accept (another writer); deciding again`,
    );
    // Nothing written: the trust still accepts what the appliance holds.
    expect(trustedIds(world, '710000000001', ROLE)).toEqual([held]);
  });

  it('lets the write through when the new trust accepts the held ID, or when the decision was made from it', async () => {
    const { ctx, bp, held } = await protectedAccount('710000000002');
    const since = world.veeam.state.count('GET /api/v1/accounts/amazon');
    await expect(assertVeeamHoldsOneOf(ctx, bp, ['OurNextId-0002', held])).resolves.toBeUndefined();
    // A trust edited by hand away from the held ID: the decision repairs it by pushing the trust's ID next.
    await expect(
      assertVeeamHoldsOneOf(ctx, bp, ['HandSetId-0002'], externalIdFingerprint(held)),
    ).resolves.toBeUndefined();
    // Read fresh from the appliance each time, not from the listing the decision used.
    expect(listingsSince(since)).toBe(2);
  });

  it('compares only against an entry of this installation: none, or another installation’s, does not stop the write', async () => {
    const { ctx, bp } = await protectedAccount('710000000003');
    const entry = world.veeam.state.list().find((e) => e.accountId === '710000000003' && e.roleName === ROLE)!;
    entry.description = entryDescription(ROLE, 'TheirId-0003', undefined, 'other-installation');
    await expect(assertVeeamHoldsOneOf(ctx, bp, ['OurNextId-0003'])).resolves.toBeUndefined();
    world.veeam.state.entries.delete(entry.id);
    await expect(assertVeeamHoldsOneOf(ctx, bp, ['OurNextId-0003'])).resolves.toBeUndefined();
  });

  it('asks the appliance nothing for a role that is not registered in it (Organizations mode)', async () => {
    const { ctx, bp } = await protectedAccount('710000000004');
    const since = world.veeam.state.count('GET /api/v1/accounts/amazon');
    await expect(assertVeeamHoldsOneOf(ctx, { ...bp, register: false }, ['OurNextId-0004'])).resolves.toBeUndefined();
    expect(listingsSince(since)).toBe(0);
  });
});

describe('before a Veeam write: the trust, read now, must accept the ID about to be pushed', () => {
  it('stops the push when another writer narrowed the trust away from it, and lets it through otherwise', async () => {
    const { ctx, bp, held } = await protectedAccount('710000000005');
    await expect(assertTrustAccepts(ctx, bp, held)).resolves.toBeUndefined();
    const err = await assertTrustAccepts(ctx, bp, 'NotTrusted-0005').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentChangeError);
    expect((err as Error).message).toBe(
      `the trust of ${ROLE} in 710000000005 no longer accepts the ID about to be pushed (another writer); deciding again`,
    );
  });
});

describe('deciding again after another writer got in between', () => {
  let random: jest.SpyInstance;
  beforeEach(() => (random = jest.spyOn(Math, 'random').mockReturnValue(0.99)));
  afterEach(() => random.mockRestore());

  it('decides at most four times, backing off longer each time, then leaves the request to the queue', async () => {
    const { ctx, bp } = await protectedAccount('710000000006');
    const attempts: number[] = [];
    const info = jest.spyOn(logger, 'info');
    const err = await decideAgainOnConcurrentChange(ctx, bp, (attempt) => {
      attempts.push(attempt);
      return Promise.reject(new ConcurrentChangeError('another writer'));
    }).catch((e: unknown) => e);
    const logged = info.mock.calls.filter(([m]) => m === 'another writer changed the role; deciding again');
    info.mockRestore();

    expect(err).toBeInstanceOf(ConcurrentChangeError);
    expect(attempts).toEqual([0, 1, 2, 3]);
    // 5 ms plus up to 20 ms of jitter per attempt made.
    expect(sleeps).toEqual([24, 44, 64]);
    expect(logged.map(([, data]) => data)).toEqual(
      [1, 2, 3].map((attempt) => ({ accountId: '710000000006', roleName: ROLE, attempt })),
    );
  });

  it('decides again from the entries the appliance holds now, and returns what the decision returns', async () => {
    const { ctx, bp } = await protectedAccount('710000000007');
    ctx.entries = [];
    const seen: number[] = [];
    const result = await decideAgainOnConcurrentChange(ctx, bp, (attempt) => {
      seen.push(ctx.entries.length);
      return attempt === 0 ? Promise.reject(new ConcurrentChangeError('another writer')) : Promise.resolve('done');
    });
    expect(result).toBe('done');
    expect(seen).toEqual([0, ownedEntries(world, '710000000007').length]);
  });

  it('does not retry any other failure', async () => {
    const { ctx, bp } = await protectedAccount('710000000008');
    const attempts: number[] = [];
    const err = await decideAgainOnConcurrentChange(ctx, bp, (attempt) => {
      attempts.push(attempt);
      return Promise.reject(new Error('AccessDenied'));
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('AccessDenied');
    expect(attempts).toEqual([0]);
    expect(sleeps).toEqual([]);
  });
});
