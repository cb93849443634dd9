import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Template } from './cfn';
import { asList, evaluate, packageTemplate, resourcesOfType, ROOT, roleStatements } from './cfn';

const patterns = parse(readFileSync(join(ROOT, 'events', 'patterns.yml'), 'utf8')) as Record<string, unknown>;
const TARGET = 'arn:aws:events:eu-central-1:444444444444:event-bus/default';
let template: Template;

beforeAll(async () => {
  template = await packageTemplate({ targetBusArn: TARGET }, join(ROOT, 'forwarder'));
}, 200_000);

describe('forwarder stack (us-east-1 / Control Tower home region)', () => {
  it('forwards exactly the events the service consumes, to the service bus, with retries and a DLQ', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule') as [string, Record<string, any>][]; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation properties are free-form JSON
    expect(rules.map(([, r]) => JSON.stringify(r.EventPattern)).sort()).toEqual(
      Object.values(patterns)
        .map((p) => JSON.stringify(p))
        .sort(),
    );
    for (const [, r] of rules) {
      expect(r.Targets).toEqual([
        {
          Id: 'service-bus',
          Arn: TARGET,
          RoleArn: 'ForwardRole.Arn',
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: 'ForwarderDlq.Arn' },
        },
      ]);
    }
  });

  it('may only put events on the target bus', () => {
    const statements = roleStatements(template, 'ForwardRole');
    expect(statements.map((s) => [asList(s.Action), asList(s.Resource)])).toEqual([[['events:PutEvents'], [TARGET]]]);
    const trust = evaluate(template, template.Resources.ForwardRole!.Properties.AssumeRolePolicyDocument) as {
      Statement: { Principal: unknown }[];
    };
    expect(trust.Statement.map((s) => s.Principal)).toEqual([{ Service: 'events.amazonaws.com' }]);
  });

  it('lets only its own rules write to its DLQ, and alarms on it', () => {
    const [, policy] = resourcesOfType(template, 'AWS::SQS::QueuePolicy')[0]!;
    const arns = (policy.PolicyDocument as { Statement: { Condition: { ArnEquals: Record<string, string[]> } }[] })
      .Statement[0]!.Condition.ArnEquals['aws:SourceArn'];
    expect(arns?.sort()).toEqual(
      resourcesOfType(template, 'AWS::Events::Rule')
        .map(([id]) => `${id}.Arn`)
        .sort(),
    );
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([, a]) => (a.Dimensions as { Value: string }[])[0]!.Value)).toEqual(['ForwarderDlq.QueueName']);
  });
});
