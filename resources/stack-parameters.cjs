/* global __filename */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Serverless plugin for the stacks whose settings are CloudFormation parameters (scripts/stack-settings.ts):
 * - adds the Rules of the stack's parameter file to the packaged template (osls does not take `Rules` under
 *   `resources`), so CloudFormation refuses a create or update with a placeholder, whoever deploys the template;
 * - binds the schedules osls takes only as literals (custom.scheduleParameters) to their parameters;
 * - declares the same Parameters in the core template osls creates a new stack with (it passes the stack parameters
 *   to that first create too, and CloudFormation refuses parameters a template does not declare);
 * - refuses `serverless deploy` before its first AWS call when the Rules or the functions' configuration checks
 *   (lib/config.ts) would refuse the values, naming each setting.
 */
class StackParameters {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:aws:package:finalize:saveServiceState': () => this.finishTemplate(),
      'before:deploy:deploy': () => this.refuseBadValues(),
    };
  }

  settings() {
    return require('tsx/cjs/api').require('../scripts/stack-settings.ts', __filename);
  }

  definition() {
    const s = this.settings();
    return s.readStackDefinition(s.stackKindOf(this.serverless.service.service));
  }

  finishTemplate() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const { Rules } = this.definition();
    if (Object.keys(Rules).length) template.Rules = { ...(template.Rules || {}), ...Rules };
    const custom = this.serverless.service.custom || {};
    for (const { rule, parameter } of custom.scheduleParameters || []) {
      const found = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::Events::Rule' && r.Properties && r.Properties.Name === rule,
      );
      if (!found) throw new this.serverless.classes.Error(`custom.scheduleParameters: no rule named ${rule}`);
      found.Properties.ScheduleExpression = { Ref: parameter };
    }
    const provider = this.serverless.service.provider;
    if (provider.coreCloudFormationTemplate && template.Parameters) {
      provider.coreCloudFormationTemplate.Parameters = template.Parameters;
      const file = join(this.serverless.serviceDir, '.serverless', 'cloudformation-template-create-stack.json');
      if (existsSync(file)) writeFileSync(file, JSON.stringify(provider.coreCloudFormationTemplate, null, 2));
    }
  }

  refuseBadValues() {
    const s = this.settings();
    const values = Object.fromEntries(
      (this.serverless.service.provider.stackParameters || []).map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    const problems = s.deployProblems(this.definition(), values);
    if (problems.length) {
      const stage = this.serverless.service.provider.stage;
      throw new this.serverless.classes.Error(
        `Not deployed: ${problems.length} setting${problems.length === 1 ? '' : 's'} to fix in config/${stage}.yml:\n- ${problems.join('\n- ')}`,
      );
    }
  }
}

module.exports = StackParameters;
