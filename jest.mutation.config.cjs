// The jest configuration StrykerJS runs against each mutant (npm run test:mutation): only the tests stryker.config.mjs
// lists for the mutated files.
/* eslint-disable @typescript-eslint/no-require-imports -- jest reads CommonJS configs */
const base = require('./jest.config.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');
const process = require('node:process');
/* eslint-enable @typescript-eslint/no-require-imports */

// Stryker runs the tests in a copy of the project under .stryker-tmp/ without node_modules (Node finds the project's
// by walking up); the base config's <rootDir>/node_modules mapping for middy must point there too.
const nodeModules = require.resolve.paths('@middy/core').find((dir) => existsSync(path.join(dir, '@middy', 'core')));

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // The tests stryker.config.mjs names for the files being mutated (all of them without --mutate).
  testMatch: JSON.parse(process.env.MUTATION_TESTS ?? '[]').map((test) => `<rootDir>/${test}`),
  moduleNameMapper: { '^@middy/(core|util)$': `${nodeModules}/@middy/$1/index.js` },
};
