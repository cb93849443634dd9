// The Mappings of the AWS Parameters and Secrets Lambda Extension layer per region, from the one data file
// (resources/secrets-extension-layers.json: its source and date). FindInMap keys: x86 and arm64.
/* global __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const data = JSON.parse(readFileSync(join(__dirname, 'secrets-extension-layers.json'), 'utf8'));
const byRegion = {};
for (const [region, arns] of Object.entries(data.layers)) {
  byRegion[region] = { x86: arns.x86_64, ...(arns.arm64 ? { arm64: arns.arm64 } : {}) };
}
module.exports = { SecretsExtensionLayers: byRegion };
