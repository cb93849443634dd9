import {
  authorizeRun,
  BUDGET_WINDOW_MS,
  decideRun,
  decideTake,
  GRANT_LIFETIME_MS,
  readBudget,
  takeOffboarding,
  type OffboardBudget,
} from '../../lib/budget';
import { resetAwsClients } from '../../lib/aws/client-cache';
import { DynamoDbStateStore } from '../../lib/state/dynamodb-store';
import { installDynamoDbFake, type DynamoDbFake } from '../../sim/aws/dynamodb-fake';

const T0 = new Date('2026-12-07T06:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => String(730000000000 + from + i));

describe('the offboarding budget (pure decisions)', () => {
  it('takes one unit per account up to the limit, then holds, naming what is used and when a unit frees', () => {
    let b: OffboardBudget | undefined;
    for (const [i, id] of ids(5).entries()) {
      const d = decideTake(b, { accountId: id, now: at(i * 60_000), limit: 5 });
      expect(d.result).toEqual({ allowed: true, permit: 'unit' });
      b = d.next;
    }
    const held = decideTake(b, { accountId: ids(1, 6)[0]!, now: at(10 * 60_000), limit: 5 });
    expect(held.next).toBeUndefined();
    expect(held.result).toEqual({
      allowed: false,
      used: 5,
      limit: 5,
      resetsAt: at(BUDGET_WINDOW_MS).toISOString(),
    });
  });

  it('an account that already holds a unit takes it again for free (a retry after a crash counts once)', () => {
    const first = decideTake(undefined, { accountId: ids(1)[0]!, now: T0, limit: 1 });
    const again = decideTake(first.next, { accountId: ids(1)[0]!, now: at(1000), limit: 1 });
    expect(again).toEqual({ result: { allowed: true, permit: 'holds-unit' } });
  });

  it('units count for 24 hours (rolling), then free again', () => {
    const full = decideRun(undefined, { accounts: ids(5), now: T0, limit: 5 }).next;
    expect(decideTake(full, { accountId: ids(1, 9)[0]!, now: at(BUDGET_WINDOW_MS - 1), limit: 5 }).result.allowed).toBe(
      false,
    );
    expect(decideTake(full, { accountId: ids(1, 9)[0]!, now: at(BUDGET_WINDOW_MS + 1), limit: 5 }).result).toEqual({
      allowed: true,
      permit: 'unit',
    });
  });

  it('a run is decided all or none: more than the budget leaves takes nothing at all', () => {
    const some = decideRun(undefined, { accounts: ids(3), now: T0, limit: 5 }).next;
    const run = decideRun(some, { accounts: ids(3, 4), now: at(1000), limit: 5 });
    expect(run.next).toBeUndefined();
    expect(run.result).toMatchObject({ held: true, wouldOffboard: 3, need: 3, used: 3, limit: 5 });
    // Accounts of the run that already hold a unit do not count twice.
    expect(decideRun(some, { accounts: [...ids(3), ...ids(2, 4)], now: at(1000), limit: 5 }).result).toMatchObject({
      held: false,
      need: 2,
      permit: 'unit',
    });
  });

  it("an operator's grant names exactly the run's accounts, for an hour, and lets nothing else through", () => {
    const spent = decideRun(undefined, { accounts: ids(5), now: T0, limit: 5 }).next;
    const below = decideRun(spent, { accounts: ids(3, 6), now: T0, limit: 5, allowOffboard: 2 });
    expect(below.result.held).toBe(true);
    const grant = decideRun(spent, { accounts: ids(3, 6), now: T0, limit: 5, allowOffboard: 8 });
    expect(grant.result).toMatchObject({ held: false, permit: 'grant', need: 3 });
    const b = grant.next!;
    expect(b.grants).toEqual([
      { accounts: ids(3, 6), grantedAt: T0.toISOString(), until: at(GRANT_LIFETIME_MS).toISOString() },
    ]);
    for (const id of ids(3, 6))
      expect(decideTake(b, { accountId: id, now: at(60_000), limit: 5 }).result).toEqual({
        allowed: true,
        permit: 'grant',
      });
    // Another account is not covered, and the grant is gone after its hour.
    expect(decideTake(b, { accountId: ids(1, 20)[0]!, now: at(60_000), limit: 5 }).result.allowed).toBe(false);
    expect(decideTake(b, { accountId: ids(1, 6)[0]!, now: at(GRANT_LIFETIME_MS + 1), limit: 5 }).result.allowed).toBe(
      false,
    );
  });

  it('the stored item expires (TTL) once nothing in it counts', () => {
    const d = decideTake(undefined, { accountId: ids(1)[0]!, now: T0, limit: 5 });
    expect(d.expiresAt).toEqual(at(BUDGET_WINDOW_MS));
  });
});

describe('the offboarding budget in the state table (DynamoDB, compare-and-write)', () => {
  let ddb: DynamoDbFake;
  const store = () => new DynamoDbStateStore('veeam-org-sync-state');
  beforeEach(() => {
    resetAwsClients();
    ddb = installDynamoDbFake();
  });
  afterEach(() => ddb.restore());

  it('20 offboardings at once: exactly the limit is allowed, the others are held', async () => {
    const s = store();
    const verdicts = await Promise.all(
      ids(20).map((accountId) => takeOffboarding(s, { accountId, now: T0, limit: 5 })),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(Object.keys(ddb.value<OffboardBudget>('offboard-budget')!.taken)).toHaveLength(5);
  });

  it('two writers racing for the last unit: the one whose write lands second decides again and is held', async () => {
    const s = store();
    await authorizeRun(s, { accounts: ids(4), now: T0, limit: 5 });
    // Both have read "4 of 5 used" before either writes: the first write waits until the second is about to write.
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((r) => (release = r));
    let writers = 0;
    ddb.onBeforePut(async () => {
      if (++writers === 1) await bothRead;
      else release();
    });
    const [a, b] = await Promise.all([
      takeOffboarding(s, { accountId: ids(1, 10)[0]!, now: T0, limit: 5 }),
      takeOffboarding(s, { accountId: ids(1, 11)[0]!, now: T0, limit: 5 }),
    ]);
    ddb.onBeforePut(undefined);
    expect(writers).toBeGreaterThanOrEqual(2);
    expect([a.allowed, b.allowed].sort()).toEqual([false, true]);
    expect((await readBudget(s, T0, 5)).used).toBe(5);
  });

  it('a dry run decides without writing', async () => {
    const s = store();
    expect(await takeOffboarding(s, { accountId: ids(1)[0]!, now: T0, limit: 5, dryRun: true })).toEqual({
      allowed: true,
      permit: 'unit',
    });
    expect(ddb.successfulPuts).toBe(0);
  });
});
