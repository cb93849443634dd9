import { confirmCommand } from '../../lib/account/offboarding-held';
import { MemoryStateStore } from '../../lib/budget';
import type { Deps } from '../../lib/deps';
import { authorizeOffboardings } from '../../lib/fleet/offboard-guard';

/**
 * The reason a held reconcile prints is what the operator acts on: how many would go, which budget held them, and the
 * exact command that confirms. Deps are only what the guard reads: the budget store, the limit and the clock.
 */
const NOW = new Date('2026-12-07T10:00:00Z');
const deps = (state: MemoryStateStore | undefined, limit = 5) =>
  ({ ...(state ? { state } : {}), config: { offboardMaxPerRun: limit }, now: () => NOW }) as unknown as Deps;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `82000000000${i + 1}`);
const TAIL =
  '(OFFBOARD_MAX_PER_RUN, stack parameter offboardMaxPerRun), so none was offboarded. If SCOPE_OU_IDS or ' +
  'EXCLUDED_ACCOUNT_IDS changed by mistake, fix it; if intended, confirm once with';

describe('the offboarding guard of a reconcile', () => {
  it('holds a whole-organization run beyond the shared budget and says how much of it is used', async () => {
    const state = new MemoryStateStore();
    const first = await authorizeOffboardings(deps(state), ids(1), { dryRun: false });
    expect([first.guard.held, first.guard.budget, first.guard.reason]).toEqual([false, 'shared', undefined]);

    const { guard } = await authorizeOffboardings(deps(state), ids(6), { dryRun: false });
    expect(guard.held).toBe(true);
    expect(guard.reason).toBe(
      `offboarding held: this run would offboard 6 accounts and the offboarding budget allows 5 per 24 hours and 1 is ` +
        `used ${TAIL} \`${confirmCommand(6)}\` (add --stack NAME for the deployed stack) or raise offboardMaxPerRun`,
    );
  });

  it('says "are used" when more than one unit is used, and names the accounts of a named run', async () => {
    const state = new MemoryStateStore();
    await authorizeOffboardings(deps(state), ids(2), { dryRun: false });
    const named = ids(4).slice(2);
    const { guard } = await authorizeOffboardings(deps(state, 3), named, { dryRun: false, accountIds: named });
    expect(guard.reason).toContain(
      'would offboard 2 accounts and the offboarding budget allows 3 per 24 hours and 2 are used',
    );
    expect(guard.reason).toContain(`\`${confirmCommand(2, named)}\``);
  });

  it('without a state table, holds a named account (no budget to draw from) and keeps a per-run limit otherwise', async () => {
    const one = ids(1);
    const held = await authorizeOffboardings(deps(undefined), one, { dryRun: false, accountIds: one });
    expect([held.guard.held, held.guard.budget]).toEqual([true, 'run']);
    expect(held.guard.reason).toBe(
      'offboarding held: this run would offboard 1 account and no offboarding budget is configured here (no state ' +
        'table, STATE_TABLE_NAME unset), so named accounts are offboarded only with --allow-offboard ' +
        `${TAIL} \`${confirmCommand(1, one)}\` (add --stack NAME for the deployed stack) or raise offboardMaxPerRun`,
    );
    const confirmed = await authorizeOffboardings(deps(undefined), one, {
      dryRun: false,
      accountIds: one,
      allowOffboard: 1,
    });
    expect([confirmed.guard.held, confirmed.guard.reason]).toEqual([false, undefined]);

    const whole = await authorizeOffboardings(deps(undefined), ids(6), { dryRun: false });
    expect(whole.guard.reason).toContain('would offboard 6 accounts and that is more than 5 per run');
    expect((await authorizeOffboardings(deps(undefined), ids(5), { dryRun: false })).guard.held).toBe(false);
  });

  it('a dry run decides on a copy: the shared budget is left as it was, and the window it saw is reported', async () => {
    const state = new MemoryStateStore();
    await authorizeOffboardings(deps(state), ids(2), { dryRun: false });
    const dry = await authorizeOffboardings(deps(state), ids(3), { dryRun: true });
    expect(dry.guard.held).toBe(false);
    expect(dry.guard.window?.used).toBe(2);
    // Three others still fit (2 + 3 = 5): the dry run's three took nothing for real.
    const others = ['830000000001', '830000000002', '830000000003'];
    const after = await authorizeOffboardings(deps(state), others, { dryRun: false });
    expect([after.guard.held, after.guard.used]).toEqual([false, 2]);
    const more = await authorizeOffboardings(deps(state), ['830000000004'], { dryRun: false });
    expect([more.guard.held, more.guard.used]).toEqual([true, 5]);
  });
});
