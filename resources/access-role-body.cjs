// The StackSet's TemplateBody must be a string: this hands serverless the generated template as JSON text.
// The template itself is resources/access-role.template.json (generated: npx tsx scripts/access-template.ts).
/* global __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = () => JSON.stringify(JSON.parse(readFileSync(join(__dirname, 'access-role.template.json'), 'utf8')));
