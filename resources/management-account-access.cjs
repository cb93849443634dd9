// The resources of the generated access-role template (access role + boundary) for the management account itself,
// each created only when the service protects it (IncludeManagementAccount=true): service-managed StackSets never
// deploy to the management account. Their parameters are this stack's parameters of the same names.
/* global __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const template = JSON.parse(readFileSync(join(__dirname, 'access-role.template.json'), 'utf8'));
module.exports = Object.fromEntries(
  Object.entries(template.Resources).map(([id, r]) => [id, { ...r, Condition: 'ProtectManagementAccount' }]),
);
