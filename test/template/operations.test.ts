import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC } from '../../lib/metrics';
import type { Template } from './cfn';
import { failedDeploy } from './deploy';
import { asList, evaluate, packageTemplate, ROOT, resourcesOfType, roleStatements } from './cfn';

const CUSTOM = {
  orgId: 'o-abc123def4',
  veeamSecretArn: 'arn:aws:secretsmanager:eu-central-1:222222222222:secret:veeam/admin-XyZ123',
  eventBusName: 'platform-events',
};
// The same values as parameters: the names CloudFormation knows them by.
const CUSTOM_PARAMETERS = {
  OrgId: CUSTOM.orgId,
  VeeamSecretArn: CUSTOM.veeamSecretArn,
  EventBusName: CUSTOM.eventBusName,
};

let byDefault: Template;
let custom: Template;
beforeAll(async () => {
  byDefault = await packageTemplate();
  custom = await packageTemplate(CUSTOM);
}, 300_000);

type Rule = { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription: string }[] };
const rules = (t: Template) => (t as Template & { Rules?: Record<string, Rule> }).Rules ?? {};
/** What CloudFormation refuses the stack with, before any resource: the failing Rules' descriptions. */
const refused = (t: Template) =>
  Object.values(rules(t))
    .filter((r) => r.RuleCondition === undefined || evaluate(t, r.RuleCondition) === true)
    .flatMap((r) => r.Assertions.filter((a) => evaluate(t, a.Assert) === false).map((a) => a.AssertDescription));
/** The same template deployed with other values. */
const deployedWith = (t: Template, values: Record<string, string>): Template => ({
  ...t,
  ParameterValues: { ...t.ParameterValues, ...values },
});

describe('required values', () => {
  it('CloudFormation refuses the stack before any resource while a required value is missing, naming each', () => {
    expect(refused(byDefault)).toEqual([
      expect.stringMatching(/^OrgId is still the placeholder o-exampleorgid\. Set orgId/),
      expect.stringMatching(/^VeeamUrl is required\. Set veeamUrl/),
      expect.stringMatching(/^VeeamSecretArn is still the placeholder\. .*set veeamSecretArn/),
      expect.stringMatching(/^VeeamPrincipalArn is required\. Set veeamPrincipalArn/),
      expect.stringMatching(/^OrgRootId is still the placeholder r-example while ScopeOuIds is empty/),
    ]);
    const complete = {
      ...CUSTOM_PARAMETERS,
      VeeamUrl: 'https://10.0.1.10:11005',
      VeeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
      OrgRootId: 'r-ab12',
    };
    expect(refused(deployedWith(custom, complete))).toEqual([]);
    // The root is required only when the StackSet targets the whole organization.
    const { OrgRootId: _root, ...withoutRoot } = complete;
    expect(refused(deployedWith(custom, { ...withoutRoot, ScopeOuIds: 'ou-ab12-11111111' }))).toEqual([]);
    expect(refused(deployedWith(custom, { ...withoutRoot, StackSetCallAs: 'NONE' }))).toEqual([]);
    expect(refused(deployedWith(custom, { ...complete, SubnetIds: 'subnet-0a1b2c3d' }))).toEqual([
      expect.stringMatching(/^SecurityGroupIds is required when SubnetIds is set/),
    ]);
  });

  it('`serverless deploy` with a value missing stops before its first AWS call, naming the setting', async () => {
    const output = await failedDeploy(['--stage', 'dev', `--param=orgId=${CUSTOM.orgId}`]);
    expect(output).toMatch(/Not deployed: 4 settings to fix in config\/dev\.yml/);
    expect(output).toMatch(/VeeamSecretArn is still the placeholder/);
    expect(output).toMatch(/VeeamUrl is required/);
    expect(output).not.toMatch(/OrgId is still/);
    expect(output).not.toMatch(/ECONNREFUSED/);
    // The wait for other tests' packages (packagingAlone) counts too.
  }, 300_000);
});

describe('lifecycle events', () => {
  const putEvents = (t: Template, role: string) =>
    roleStatements(t, role).filter((s) => asList(s.Action).includes('events:PutEvents'));

  it('worker, reconcile and rotate may put events on exactly the configured bus; the intake may not', () => {
    for (const role of ['WorkerRole', 'ReconcileRole', 'RotateRole']) {
      expect(putEvents(byDefault, role).map((s) => [s.Action, s.Resource])).toEqual([
        ['events:PutEvents', 'arn:aws:events:us-east-1:123456789012:event-bus/default'],
      ]);
      expect(putEvents(custom, role).map((s) => s.Resource)).toEqual([
        'arn:aws:events:us-east-1:123456789012:event-bus/platform-events',
      ]);
    }
    expect(putEvents(byDefault, 'IntakeRole')).toEqual([]);
    for (const id of ['WorkerLambdaFunction', 'ReconcileLambdaFunction', 'RotateLambdaFunction'])
      expect(
        (evaluate(custom, custom.Resources[id]!.Properties) as { Environment: { Variables: Record<string, string> } })
          .Environment.Variables.EVENT_BUS_NAME,
      ).toBe('platform-events');
  });
});

/** Every PascalCase string literal in product files that publish metrics: the names the code can emit. */
function emittedMetricNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        if (text.includes('addMetric(')) for (const m of text.matchAll(/'([A-Z][A-Za-z]+)'/g)) names.add(m[1]!);
      }
    }
  };
  walk(join(ROOT, 'lib'));
  walk(join(ROOT, 'functions'));
  return names;
}

describe('dashboard', () => {
  type Widget = { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[] } };
  let widgets: Widget[];
  let raw: string;
  beforeAll(() => {
    raw = (byDefault.Resources.Dashboard!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    widgets = (JSON.parse(evaluate(byDefault, { 'Fn::Sub': raw }) as string) as { widgets: Widget[] }).widgets;
  });
  const metricRows = () => widgets.flatMap((w) => w.properties.metrics ?? []);
  const has = (namespace: string, name: string, dimension?: string) =>
    metricRows().some((m) => m[0] === namespace && m[1] === name && (dimension === undefined || m[3] === dimension));

  it('is one dashboard named for the stage, linked from the outputs', () => {
    expect(resourcesOfType(byDefault, 'AWS::CloudWatch::Dashboard').map(([, p]) => p.DashboardName)).toEqual([
      'veeam-org-sync-dev',
    ]);
    expect(byDefault.Outputs?.DashboardUrl).toBeDefined();
  });

  it('shows accounts in scope, protected and not protected', () => {
    expect(has('VeeamOrgSync', METRIC.AccountsInScope)).toBe(true);
    expect(has('VeeamOrgSync', METRIC.AccountsNotProtected)).toBe(true);
    expect(metricRows().some((m) => JSON.stringify(m).includes('"label":"protected"'))).toBe(true);
  });

  it('shows worker errors and duration, the three DLQ depths, rotations and Veeam request failures', () => {
    expect(has('AWS/Lambda', 'Errors', 'WorkerLambdaFunction')).toBe(true);
    expect(has('AWS/Lambda', 'Duration', 'WorkerLambdaFunction')).toBe(true);
    for (const q of ['WorkerDlq', 'IntakeDlq', 'EventsDlq'])
      expect(has('AWS/SQS', 'ApproximateNumberOfMessagesVisible', `${q}.QueueName`)).toBe(true);
    expect(has('VeeamOrgSync', METRIC.AccountsRotated)).toBe(true);
    expect(has('VeeamOrgSync', METRIC.VeeamRequestsFailed)).toBe(true);
  });

  it('plots only metrics the code emits, under the dimension Powertools adds', () => {
    const emitted = emittedMetricNames();
    emitted.add('AccountsNotProtected'); // alarmed, so it must be plotted whatever the scan of addMetric calls finds
    const ours = metricRows().filter((m) => m[0] === 'VeeamOrgSync');
    expect(ours.length).toBeGreaterThan(8);
    for (const m of ours) {
      expect(emitted).toContain(m[1]);
      expect(m.slice(2, 4)).toEqual(['service', 'veeam-org-sync']);
    }
  });

  it('shows every alarm of the stack', () => {
    const alarms = resourcesOfType(byDefault, 'AWS::CloudWatch::Alarm').map(([id]) => `${id}.Arn`);
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    expect(
      widgets
        .filter((w) => w.type === 'alarm')
        .flatMap((w) => w.properties.alarms)
        .sort(),
    ).toEqual(alarms.sort());
  });

  it('refers only to resources of the stack', () => {
    for (const [, ref] of raw.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g))
      expect(Object.keys(byDefault.Resources)).toContain(ref);
  });
});
