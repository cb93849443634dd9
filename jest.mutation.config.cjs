// The tests StrykerJS runs against each mutant (npm run test:mutation): the unit and story tests of the use cases and
// adapters the mutated files (stryker.config.mjs) live in, and the stories of ownership and offboarding. Not the
// template, bundle, architecture or CLI tiers: they package or spawn processes, and cover none of those decisions.
/* eslint-disable @typescript-eslint/no-require-imports -- jest reads CommonJS configs */
const base = require('./jest.config.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');
/* eslint-enable @typescript-eslint/no-require-imports */

// Stryker runs the tests in a copy of the project under .stryker-tmp/ without node_modules (Node finds the project's
// by walking up); the base config's <rootDir>/node_modules mapping for middy must point there too.
const nodeModules = require.resolve.paths('@middy/core').find((dir) => existsSync(path.join(dir, '@middy', 'core')));

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/(account|fleet|organizations|registration)/**/*.test.ts',
    '<rootDir>/test/veeam/client.test.ts',
    '<rootDir>/test/roles/(drift|ensure).test.ts',
    '<rootDir>/test/e2e/(offboard-guard|two-installations).test.ts',
  ],
  moduleNameMapper: { '^@middy/(core|util)$': `${nodeModules}/@middy/$1/index.js` },
};
