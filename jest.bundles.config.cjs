// The zip-level tier (npm run test:bundles): packages the service and runs each function from its zip in a fresh
// Node process. Separate from `npm test`, which imports the TypeScript; .ci/run runs both.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads CommonJS configs
const base = require('./jest.config.cjs');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/test/bundles/**/*.bundle.ts'],
  testTimeout: 120000,
};
