// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads CommonJS configs
const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (one worker fewer than the cores) is one worker on a 2-core machine, which then mostly waits on the
  // child processes (serverless package, the sandbox server) the template and e2e tests start: two keep both cores busy.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // middy is ESM-only: let swc transform it and resolve its entry directly
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 20000,
};
