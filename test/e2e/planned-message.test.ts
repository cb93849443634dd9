import { QUEUES, startWorld, type World } from '../../sim/world';
import { PLAN_MAX_AGE_MS } from '../../lib/account/planned';
import { parseAccountRequest } from '../../lib/queue/request';

/** A scheduled reconcile hands the worker what its plan read, so the worker does not read it again while it is fresh. */
describe('reconcile messages carry the plan', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.stop());

  const newAccounts = (ids: string[]) => {
    for (const id of ids) {
      world.org.createAccount({ id, name: `acct-${id}` });
      world.iam.addAccount(id);
    }
  };
  const protectedCount = (ids: string[]) =>
    ids.filter((id) => world.veeam.state.list().filter((e) => e.accountId === id).length === 2).length;

  it('a fresh plan: the worker asks Organizations nothing and Veeam only its name search and the POSTs', async () => {
    const ids = ['444400000001', '444400000002'];
    newAccounts(ids);
    world.veeam.state.addEntry({ name: 'by hand', accountId: '999900000001', roleName: 'X', description: 'theirs' });
    await world.invokeReconcile({ dryRun: false });
    const bodies = world.sqs.messages(QUEUES.account).map((m) => parseAccountRequest(m.body));
    expect(bodies.map((b) => b.accountId).sort()).toEqual(ids);
    expect(bodies[0]!.plan).toMatchObject({ inScope: true, entries: [] });

    world.org.resetCalls();
    const routes0 = { ...world.veeam.state.counters.byRoute };
    expect((await world.drain()).failed).toBe(0);
    expect(protectedCount(ids)).toBe(2);
    expect(world.org.totalCalls).toBe(0);
    const lists =
      (world.veeam.state.counters.byRoute['GET /api/v1/accounts/amazon'] ?? 0) -
      (routes0['GET /api/v1/accounts/amazon'] ?? 0);
    expect(lists).toBe(ids.length); // one name search per account, never the full listing
  });

  it('a stale plan (older than PLAN_MAX_AGE_MS) is not trusted: the worker reads the scope itself', async () => {
    const ids = ['444400000003'];
    newAccounts(ids);
    await world.invokeReconcile({ dryRun: false });
    world.clock.advance(PLAN_MAX_AGE_MS + 60_000);
    world.org.resetCalls();
    expect((await world.drain()).failed).toBe(0);
    expect(protectedCount(ids)).toBe(1);
    expect(world.org.totalCalls).toBeGreaterThan(0);
  });
});
