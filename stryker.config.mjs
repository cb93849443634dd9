// Mutation testing of the safety-critical decisions (npm run test:mutation; not in .ci/run: minutes per file).
// One file at a time is kinder to a small machine: npm run test:mutation -- --mutate lib/account/concurrent.ts
import process from 'node:process';

/**
 * The files whose mutants must die, each with the tests that speak for it (a user would notice what they check).
 * Only those tests run against the file's mutants: the story tests that also pass through it would multiply the run
 * time without judging its decisions more closely. A new file goes here with its tests.
 */
export const MUTATED = [
  [
    'lib/ownership.ts',
    [
      'test/ownership.test.ts',
      'test/registration/registration.test.ts',
      'test/roles/ensure.test.ts',
      'test/e2e/two-installations.test.ts',
    ],
  ],
  ['lib/organizations/scope.ts', ['test/organizations/scope.test.ts', 'test/fleet/plan-reconcile.test.ts']],
  ['lib/account/id-state.ts', ['test/account/id-state.test.ts', 'test/account/rotate-account.test.ts']],
  [
    'lib/account/concurrent.ts',
    [
      'test/account/concurrent.test.ts',
      'test/account/compare-and-write.test.ts',
      'test/account/races.test.ts',
      'test/account/hand-edited-trust.test.ts',
    ],
  ],
  [
    'lib/account/offboard-account.ts',
    ['test/account/offboard-account.test.ts', 'test/e2e/two-installations.test.ts', 'test/e2e/offboard-guard.test.ts'],
  ],
  [
    'lib/veeam/tls.ts',
    ['test/veeam/client.test.ts', 'test/veeam/tls-pinning.test.ts', 'test/veeam/tls-ca-failure.test.ts'],
  ],
  ['lib/fleet/plan-reconcile.ts', ['test/fleet/plan-reconcile.test.ts', 'test/fleet/reconcile.test.ts']],
  ['lib/budget/index.ts', ['test/budget/budget.test.ts']],
  [
    'lib/fleet/offboard-guard.ts',
    [
      'test/fleet/offboard-guard.test.ts',
      'test/budget/budget.test.ts',
      'test/fleet/reconcile.test.ts',
      'test/bin/offboard-budget.test.ts',
    ],
  ],
];

// `--mutate a.ts,b.ts` (or -m) narrows the run; its files' tests are what jest.mutation.config.cjs runs.
const flag = process.argv.findIndex((a) => a === '--mutate' || a === '-m');
const only = flag >= 0 ? process.argv[flag + 1].split(',') : undefined;
const targets = MUTATED.filter(([file]) => !only || only.some((o) => o.split(':')[0] === file));
process.env.MUTATION_TESTS = JSON.stringify([...new Set(targets.flatMap(([, tests]) => tests))]);
// Every mutant reruns the tests that cover it: a few race trials are enough to see a broken compare-and-write.
process.env.RACE_TRIALS ??= '5';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.cjs', enableFindRelatedTests: false },
  mutate: MUTATED.map(([file]) => file),
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  tempDirName: '.stryker-tmp',
  // Anchored at the root (gitignore syntax): lib/coverage and test/coverage are code, /coverage is jest's output.
  ignorePatterns: [
    '/.serverless',
    '/.serverless.lock',
    '/.esbuild',
    '/.sandbox',
    '/reports',
    '/coverage',
    '/.stryker-tmp',
    '/docs',
    '/dist',
  ],
  thresholds: { high: 90, low: 85, break: 85 },
};
