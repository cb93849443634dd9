// Variables for serverless.yml (and management/, forwarder/): the stack parameters from config/<stage>.yml over the
// template defaults, `--param key=value` over both, each checked against its parameter's constraints; and the region
// saved for the stage. The rules live in scripts/stack-settings.ts (TypeScript, loaded through tsx).
/* global __filename */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';

function settings() {
  return require('tsx/cjs/api').require('../scripts/stack-settings.ts', __filename);
}

async function resolve({ options, resolveConfigurationProperty }) {
  const s = settings();
  const service = await resolveConfigurationProperty(['service']);
  const stage = options.stage || 'dev';
  try {
    return s.stackSettings(s.stackKindOf(service), stage, options.param);
  } catch (err) {
    // A ServerlessError is shown as its message alone: the stack of a configuration error is noise.
    if (err && err.name === 'SettingsError') {
      const ServerlessError = require('osls/lib/serverless-error');
      throw new ServerlessError(err.message, 'INVALID_STACK_SETTINGS');
    }
    throw err;
  }
}

module.exports = {
  stackParameters: async (ctx) => settings().toStackParameters((await resolve(ctx)).values),
  region: async (ctx) => (await resolve(ctx)).region ?? null,
  // Stacks without code (management, forwarder): an existing bucket `serverless deploy` uploads the template to,
  // instead of a deployment bucket created in the stack (config/<stage>.yml: <section>.deploymentBucket).
  deploymentBucket: async (ctx) => {
    const { deploymentBucket } = await resolve(ctx);
    return deploymentBucket ? { name: deploymentBucket } : null;
  },
};
