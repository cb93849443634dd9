import { convergeAccount } from '../../lib/account/converge-account';
import type { AccountReport } from '../../lib/account/account-report';
import { rotateAccount } from '../../lib/account/rotate-account';
import { loadConfig } from '../../lib/config';
import { logger } from '../../lib/log';
import type { Deps } from '../../lib/deps';
import { createSecretSource } from '../../lib/secrets';
import { sleep } from '../../lib/util/sleep';
import { createVeeamClient } from '../../lib/veeam/client';
import { startWorld, type World } from '../../sim/world';
import {
  addAccount,
  convergedProblems,
  depsFor,
  interleaved,
  invariantHolds,
  protect,
  watchInvariant,
} from '../support/account-harness';

/**
 * Two writers on one account at the same time (the CLI and the worker, or an event and a reconcile whose messages
 * were not serialized): at no call of either, and not at the end, may Veeam hold an external ID the role's trust
 * rejects. IAM calls of the two runs interleave (a delay before each), as they would against real IAM. A run that
 * ends with a retryable error is delivered again after a short delay, as the worker's queue does.
 */
// 20 by default keeps `npm test` quick; .ci/run sets RACE_TRIALS=100 for the full sweep of interleavings.
const TRIALS = Number(process.env.RACE_TRIALS ?? 20);
let world: World;
let deps: Deps;
let seq = 0;

beforeAll(async () => {
  world = await startWorld();
  const config = loadConfig(process.env);
  // The product's client, polling rescan sessions quickly so that even 100 trials stay within seconds.
  const veeam = createVeeamClient({ config, secrets: createSecretSource(config), pollIntervalMs: 5 });
  deps = interleaved(depsFor({ veeam: () => Promise.resolve(veeam) }));
});
afterAll(() => world.stop());

/** Like the queue: a retryable failure is redelivered (after a short, jittered delay), up to 6 deliveries. */
async function untilSettled(run: () => Promise<AccountReport>): Promise<{ report: AccountReport; deliveries: number }> {
  for (let delivery = 1; ; delivery++) {
    const report = await run();
    if (!report.error?.retryable || delivery >= 6) return { report, deliveries: delivery };
    await sleep(2 + Math.floor(Math.random() * 8));
  }
}

interface Tally {
  /** Times a writer found the other one had changed the role between its read and its write, and decided again. */
  redecided: number;
  broken: number;
  brokenEnd: number;
  notConverged: number;
  failed: number;
  redeliveries: number;
  examples: string[];
}

async function race(
  setup: () => Promise<string>,
  runs: (acct: string) => Array<() => Promise<AccountReport>>,
): Promise<Tally> {
  const t: Tally = { redecided: 0, broken: 0, brokenEnd: 0, notConverged: 0, failed: 0, redeliveries: 0, examples: [] };
  const info = jest.spyOn(logger, 'info');
  for (let trial = 0; trial < TRIALS; trial++) {
    const acct = await setup();
    info.mockClear();
    const watch = watchInvariant(world, () => [acct]);
    const results = await Promise.all(runs(acct).map((r) => untilSettled(r)));
    watch.stop();
    t.redecided += info.mock.calls.filter(([m]) => m === 'another writer changed the role; deciding again').length;
    const end = invariantHolds(world, acct);
    const converged = convergedProblems(world, acct);
    if (watch.violations.length) t.broken++;
    if (end.length) t.brokenEnd++;
    if (converged.length) t.notConverged++;
    t.redeliveries += results.reduce((n, r) => n + r.deliveries - 1, 0);
    const failures = results.filter((r) => r.report.action === 'error');
    if (failures.length) t.failed++;
    if ((watch.violations.length || end.length || converged.length || failures.length) && t.examples.length < 3)
      t.examples.push(
        `trial ${trial}: ${[...watch.violations.slice(0, 2), ...end, ...converged, ...failures.map((f) => f.report.error?.message ?? '')].join(' | ')}`,
      );
  }
  info.mockRestore();
  return t;
}

/** No trial ever saw an external ID the trust rejects, during or after, and every account converged. */
function expectNothingBroken(t: Tally): void {
  expect({ broken: t.broken, brokenEnd: t.brokenEnd, notConverged: t.notConverged, failed: t.failed }).toEqual({
    broken: 0,
    brokenEnd: 0,
    notConverged: 0,
    failed: 0,
  });
}

it(`two fresh rotations of one account, ${TRIALS} trials: never an external ID the trust rejects`, async () => {
  const t = await race(
    async () => {
      const acct = addAccount(world, String(700000000000 + ++seq));
      await protect(deps, acct);
      return acct;
    },
    (acct) => [() => rotateAccount(deps, acct, { force: true }), () => rotateAccount(deps, acct, { force: true })],
  );
  console.log(`two rotations x ${TRIALS}: ${JSON.stringify(t)}`);
  // The two really raced (a writer had to decide again), and nobody was ever left with a refused ID.
  expect(t.redecided).toBeGreaterThan(0);
  expectNothingBroken(t);
}, 600_000);

it(`two converges of one new account, ${TRIALS} trials: never an external ID the trust rejects`, async () => {
  const t = await race(
    () => Promise.resolve(addAccount(world, String(800000000000 + ++seq))),
    (acct) => [
      () => convergeAccount(deps, acct, { dryRun: false, reason: 'event' }),
      () => convergeAccount(deps, acct, { dryRun: false, reason: 'reconcile' }),
    ],
  );
  console.log(`two converges x ${TRIALS}: ${JSON.stringify(t)}`);
  expect(t.redecided).toBeGreaterThan(0);
  expectNothingBroken(t);
}, 600_000);
