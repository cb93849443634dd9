import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { accessTemplate } from '../../scripts/access-template';
import type { Statement, Template } from './cfn';
import { asList, deployed, evaluate, packageTemplate, resourcesOfType, ROOT, roleStatements } from './cfn';

/** The management stack (management/serverless.yml) of a deployment in a delegated administrator account. */
const SERVICE = '222233334444';
const BUS = `arn:aws:events:eu-central-1:${SERVICE}:event-bus/default`;
const TRUSTED = `arn:aws:iam::${SERVICE}:role/svc-WorkerRole-A,arn:aws:iam::${SERVICE}:role/svc-ReconcileRole-B`;
const READERS = `${TRUSTED},arn:aws:iam::${SERVICE}:role/svc-RotateRole-C`;
const patterns = parse(readFileSync(join(ROOT, 'events', 'patterns.yml'), 'utf8')) as Record<string, unknown>;
const DIR = join(ROOT, 'management');

let minimal: Template;
let full: Template;
let placeholders: Template;

beforeAll(async () => {
  const common = {
    serviceAccountId: SERVICE,
    targetBusArn: BUS,
    trustedRoleArns: TRUSTED,
    organizationsReaderArns: READERS,
    veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
    orgRootId: 'r-ab12',
  };
  minimal = await packageTemplate(common, DIR);
  full = await packageTemplate(
    { ...common, createStackSet: 'true', includeManagementAccount: 'true', scopeOuIds: 'ou-ab12-11111111' },
    DIR,
  );
  placeholders = await packageTemplate({}, DIR);
}, 300_000);

type Rule = { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription: string }[] };
/** What CloudFormation refuses the stack with, before any resource: the failing Rules' descriptions. */
const refused = (t: Template) =>
  Object.values((t as Template & { Rules?: Record<string, Rule> }).Rules ?? {})
    .filter((r) => r.RuleCondition === undefined || evaluate(t, r.RuleCondition) === true)
    .flatMap((r) => r.Assertions.filter((a) => evaluate(t, a.Assert) === false).map((a) => a.AssertDescription));

describe('placeholder parameters of the management stack', () => {
  it('refuse the stack while the service account, its roles or its bus are the examples, naming each', () => {
    expect(refused(placeholders)).toEqual([
      expect.stringMatching(/^ServiceAccountId is still the placeholder .*Set serviceAccountId/),
      expect.stringMatching(/^TrustedRoleArns is still the placeholder\. Set trustedRoleArns/),
      expect.stringMatching(/^TargetBusArn is still the placeholder\. Set targetBusArn/),
      expect.stringMatching(/^OrganizationsReaderArns is still the placeholder\. Set organizationsReaderArns/),
      expect.stringMatching(/^VeeamPrincipalArn is still the placeholder\. Set veeamPrincipalArn/),
      expect.stringMatching(/^OrgRootId is still the placeholder r-example while the resource control policy/),
    ]);
    expect(refused(full)).toEqual([]);
    expect(refused(minimal)).toEqual([]);
  });
});

/** organizations:<Command> for every Organizations command lib/organizations sends. */
function organizationsCallsOfTheService(): string[] {
  const dir = join(ROOT, 'lib', 'organizations');
  const source = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  return [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => `organizations:${m[1]!}`))].sort();
}

describe('management stack', () => {
  it('delegates to the service account’s function roles exactly the Organizations reads the service makes', () => {
    const [, policy] = resourcesOfType(minimal, 'AWS::Organizations::ResourcePolicy')[0]!;
    const statements = (policy.Content as { Statement: (Statement & { Principal: unknown })[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Principal).toEqual({ AWS: `arn:aws:iam::${SERVICE}:root` });
    expect(statements[0]!.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': READERS.split(',') } });
    expect(asList(statements[0]!.Action).sort()).toEqual(organizationsCallsOfTheService());
    for (const a of asList(statements[0]!.Action)) expect(a).toMatch(/^organizations:(Describe|List)/);
  });

  it('leaves the delegation policy out when the organization has one, and prints the statement to add to it', async () => {
    expect(deployed(minimal, 'OrganizationsDelegationPolicy')).toBe(true);
    const existing = await packageTemplate(
      {
        serviceAccountId: SERVICE,
        targetBusArn: BUS,
        trustedRoleArns: TRUSTED,
        organizationsReaderArns: READERS,
        createDelegationPolicy: 'false',
      },
      DIR,
    );
    expect(deployed(existing, 'OrganizationsDelegationPolicy')).toBe(false);
    const [, policy] = resourcesOfType(minimal, 'AWS::Organizations::ResourcePolicy')[0]!;
    const printed = JSON.parse(evaluate(existing, existing.Outputs!.DelegationPolicyStatement!.Value) as string);
    expect(printed).toEqual((policy.Content as { Statement: unknown[] }).Statement[0]);
  }, 200_000);

  it('forwards the events the service consumes to the service account’s bus (the forwarder, reused)', () => {
    const rules = resourcesOfType(minimal, 'AWS::Events::Rule') as [string, Record<string, any>][]; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation properties are free-form JSON
    expect(rules.map(([, r]) => JSON.stringify(r.EventPattern)).sort()).toEqual(
      Object.values(patterns)
        .map((p) => JSON.stringify(p))
        .sort(),
    );
    for (const [, r] of rules)
      expect(r.Targets[0]).toMatchObject({ Arn: BUS, DeadLetterConfig: { Arn: 'ForwarderDlq.Arn' } });
    expect(roleStatements(minimal, 'ForwardRole').map((s) => [asList(s.Action), asList(s.Resource)])).toEqual([
      [['events:PutEvents'], [BUS]],
    ]);
  });

  it('creates the StackSet only when asked (service account not a StackSets delegated administrator)', () => {
    expect(deployed(minimal, 'AccessRoleStackSet')).toBe(false);
    expect(deployed(full, 'AccessRoleStackSet')).toBe(true);
    const [, set] = resourcesOfType(full, 'AWS::CloudFormation::StackSet')[0]!;
    expect(set).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'SELF',
      AutoDeployment: { Enabled: true },
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111'] } }],
    });
    expect(JSON.parse(set.TemplateBody as string)).toEqual(accessTemplate());
    expect((set.Parameters as { ParameterKey: string; ParameterValue: string }[])[0]).toEqual({
      ParameterKey: 'TrustedRoleArns',
      ParameterValue: TRUSTED,
    });
  });

  it('puts the access role and boundary into the management account only when it is protected', () => {
    const generated = accessTemplate();
    for (const id of Object.keys(generated.Resources)) {
      expect(deployed(minimal, id)).toBe(false);
      expect(deployed(full, id)).toBe(true);
      expect(full.Resources[id]).toEqual({ ...generated.Resources[id], Condition: 'ProtectManagementAccount' });
    }
    // The generated template's parameters are this stack's parameters of the same names and types.
    for (const [name, spec] of Object.entries(generated.Parameters))
      expect([name, full.Parameters?.[name]?.Type]).toEqual([name, (spec as { Type: string }).Type]);
    expect(evaluate(full, { Ref: 'TrustedRoleArns' })).toEqual(TRUSTED.split(','));
  });

  it.each([
    ['minimal', () => minimal],
    ['full', () => full],
  ])('never allows "*" as an action, nor an IAM write on "*" (%s)', (_label, t) => {
    const own = resourcesOfType(t(), 'AWS::IAM::Role').flatMap(([id]) => roleStatements(t(), id));
    for (const s of own.filter((x) => x.Effect === 'Allow')) {
      for (const a of asList(s.Action)) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      if (asList(s.Resource).includes('*'))
        expect(asList(s.Action).filter((a) => /^iam:(?!(Get|List|Simulate|Generate))/i.test(a))).toEqual([]);
    }
    expect(evaluate(t(), t().Resources.ForwardRole?.Properties.AssumeRolePolicyDocument)).toMatchObject({
      Statement: [{ Principal: { Service: 'events.amazonaws.com' } }],
    });
  });
});
