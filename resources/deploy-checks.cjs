'use strict';

/**
 * Serverless plugin: parameters still at their placeholder default (custom.deployChecks, from resources/deploy-checks.yml)
 * fail a deployment before any resource is created, naming the parameter and the fix.
 * - Every packaged template gets a CloudFormation `Rules` entry per check, so CloudFormation itself refuses the stack
 *   operation (whoever deploys the template). osls does not accept `Rules` under `resources`, hence this plugin.
 * - `serverless deploy` stops before its first AWS call (before even the deployment bucket of a new stack).
 */
class DeployChecks {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:aws:package:finalize:saveServiceState': () => this.addRules(),
      'before:deploy:deploy': () => this.refusePlaceholders(),
    };
  }

  checks() {
    const checks = (this.serverless.service.custom || {}).deployChecks || [];
    return checks.map((c) => ({ ...c, id: `${c.parameter.charAt(0).toUpperCase()}${c.parameter.slice(1)}IsSet` }));
  }

  message(c) {
    return `Parameter ${c.parameter} is still the placeholder "${c.placeholder}". ${c.fix}`;
  }

  addRules() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    template.Rules = template.Rules || {};
    for (const c of this.checks()) {
      template.Rules[c.id] = {
        Assertions: [
          {
            Assert: { 'Fn::Not': [{ 'Fn::Equals': [String(c.value), String(c.placeholder)] }] },
            AssertDescription: this.message(c),
          },
        ],
      };
    }
  }

  refusePlaceholders() {
    const problems = this.checks()
      .filter((c) => String(c.value) === String(c.placeholder))
      .map((c) => this.message(c));
    if (problems.length) throw new this.serverless.classes.Error(problems.join('\n'));
  }
}

module.exports = DeployChecks;
