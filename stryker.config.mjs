// Mutation testing of the safety-critical decisions (npm run test:mutation; not in .ci/run: minutes per file).
// One file at a time is kinder to a small machine: npm run test:mutation -- --mutate lib/account/concurrent.ts
import process from 'node:process';

// Every mutant reruns the tests that cover it: a few race trials are enough to see a broken compare-and-write.
process.env.RACE_TRIALS ??= '5';

/** The files whose mutants must die: ownership, scope, the external-ID state, the second-writer checks, the TLS pin, the plan. */
export const MUTATED = [
  'lib/ownership.ts',
  'lib/organizations/scope.ts',
  'lib/account/id-state.ts',
  'lib/account/concurrent.ts',
  'lib/veeam/tls.ts',
  'lib/fleet/plan-reconcile.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.cjs', enableFindRelatedTests: false },
  mutate: MUTATED,
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['.serverless', '.esbuild', '.sandbox', 'reports', 'coverage', '.stryker-tmp'],
  thresholds: { high: 90, low: 85, break: 85 },
};
