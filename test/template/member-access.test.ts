import type { Statement, Template } from './cfn';
import { asList, deployed, evaluate, packageTemplate, resourcesOfType, roleStatements } from './cfn';
import { accessTemplate } from '../../scripts/access-template';

/**
 * How the service reaches member accounts, as packaged: the dedicated access role's StackSet (by this stack in the
 * management account, by a delegated administrator, or by the management stack) or the existing admin roles.
 */
const ORG = 'o-abc123def4';
let dedicated: Template; // management account: the stack creates the StackSet itself (CallAs SELF)
let delegated: Template; // a StackSets delegated administrator account, scoped to two OUs, custom role names
let viaManagementStack: Template; // another account that is not a StackSets delegated administrator
let existing: Template;

beforeAll(async () => {
  // Sequential: the runs share the esbuild work directory.
  dedicated = await packageTemplate({ orgId: ORG, orgRootId: 'r-ab12' });
  delegated = await packageTemplate({
    orgId: ORG,
    stackSetCallAs: 'DELEGATED_ADMIN',
    scopeOuIds: 'ou-ab12-11111111,ou-ab12-22222222',
    accessRoleName: 'BackupTeamAccess',
    backupRoleName: 'BackupTeamVeeamBackup',
    workerRoleName: 'BackupTeamVeeamWorker',
    operatorRoleArns: 'arn:aws:iam::222233334444:role/BackupOperators',
  });
  viaManagementStack = await packageTemplate({ orgId: ORG, stackSetCallAs: 'NONE' });
  existing = await packageTemplate({ orgId: ORG, memberAccess: 'existing', memberRoleNames: 'RoleA,RoleB' });
}, 400_000);

const VARIANTS: Record<string, () => Template> = {
  dedicated: () => dedicated,
  delegated: () => delegated,
  'via the management stack': () => viaManagementStack,
  existing: () => existing,
};

const stackSet = (t: Template) => resourcesOfType(t, 'AWS::CloudFormation::StackSet')[0]?.[1] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation properties are free-form JSON
const params = (t: Template) =>
  Object.fromEntries(
    (stackSet(t).Parameters as { ParameterKey: string; ParameterValue: string }[]).map((p) => [
      p.ParameterKey,
      p.ParameterValue,
    ]),
  );
const assumeStatements = (t: Template): Statement[] =>
  resourcesOfType(t, 'AWS::IAM::Role')
    .flatMap(([id]) => roleStatements(t, id))
    .filter((s) => s.Effect === 'Allow' && asList(s.Action).includes('sts:AssumeRole'));

describe('memberAccess=dedicated (default)', () => {
  it('creates a service-managed, auto-deploying StackSet targeting the root, once per organization (one region)', () => {
    expect(deployed(dedicated, 'AccessRoleStackSet')).toBe(true);
    expect(stackSet(dedicated)).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'SELF',
      AutoDeployment: { Enabled: true },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['us-east-1'] }],
    });
  });

  it('deploys the template generated from the blueprints, trusting exactly the worker and reconcile roles', () => {
    expect(JSON.parse(stackSet(dedicated).TemplateBody as string)).toEqual(accessTemplate());
    expect(params(dedicated)).toEqual({
      TrustedRoleArns: 'WorkerRole.Arn,ReconcileRole.Arn',
      AccessRoleName: 'VeeamOrgSyncAccess',
      BackupRoleName: 'VeeamBackupRole',
      WorkerRoleName: 'VeeamWorkerRole',
      InstallationId: 'veeam-org-sync',
    });
  });

  it('lets the functions assume only the access role, only inside the organization', () => {
    const statements = assumeStatements(dedicated);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(asList(s.Resource)).toEqual(['arn:aws:iam::*:role/VeeamOrgSyncAccess']);
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': ORG } });
    }
  });
});

describe('deployed in a delegated administrator account', () => {
  it('creates the StackSet as delegated administrator, targeting the scoped OUs, with the configured names', () => {
    expect(stackSet(delegated)).toMatchObject({
      CallAs: 'DELEGATED_ADMIN',
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'] } }],
    });
    expect(params(delegated)).toMatchObject({
      TrustedRoleArns: 'WorkerRole.Arn,ReconcileRole.Arn,arn:aws:iam::222233334444:role/BackupOperators',
      AccessRoleName: 'BackupTeamAccess',
      BackupRoleName: 'BackupTeamVeeamBackup',
      WorkerRoleName: 'BackupTeamVeeamWorker',
    });
    for (const s of assumeStatements(delegated))
      expect(asList(s.Resource)).toEqual(['arn:aws:iam::*:role/BackupTeamAccess']);
  });

  it('leaves the StackSet to the management stack when not a StackSets delegated administrator', () => {
    expect(deployed(viaManagementStack, 'AccessRoleStackSet')).toBe(false);
    expect(evaluate(viaManagementStack, viaManagementStack.Outputs?.AccessRoleTrustedArns?.Value)).toBe(
      'WorkerRole.Arn,ReconcileRole.Arn',
    );
    for (const s of assumeStatements(viaManagementStack))
      expect(asList(s.Resource)).toEqual(['arn:aws:iam::*:role/VeeamOrgSyncAccess']);
  });
});

describe('memberAccess=existing (the less safe choice)', () => {
  it('creates no StackSet and assumes the configured roles, in order, only inside the organization', () => {
    expect(deployed(existing, 'AccessRoleStackSet')).toBe(false);
    const statements = assumeStatements(existing);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(asList(s.Resource)).toEqual(['arn:aws:iam::*:role/RoleA', 'arn:aws:iam::*:role/RoleB']);
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': ORG } });
    }
  });
});

/** IAM calls that change something; reads (Get/List/Simulate/Generate) excluded. */
const IAM_WRITE = /^iam:(?!(Get|List|Simulate|Generate))/i;

describe.each(Object.keys(VARIANTS))('every IAM policy shipped (%s)', (label) => {
  const t = () => VARIANTS[label]!();
  const shipped = (): Statement[] => {
    const own = resourcesOfType(t(), 'AWS::IAM::Role').flatMap(([id]) => roleStatements(t(), id));
    const set = stackSet(t());
    if (!set) return own;
    const body = JSON.parse(set.TemplateBody as string) as ReturnType<typeof accessTemplate>;
    const access = (
      body.Resources.VeeamOrgSyncAccessRole!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const boundary = (body.Resources.VeeamOrgSyncBoundary!.Properties.PolicyDocument as { Statement: Statement[] })
      .Statement;
    return [...own, ...access, ...boundary];
  };

  it('never allows "*" as an action, nor an IAM write on "*"', () => {
    const all = shipped();
    expect(all.length).toBeGreaterThan(0);
    for (const s of all.filter((x) => x.Effect === 'Allow')) {
      for (const a of asList(s.Action)) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      if (asList(s.Resource).includes('*')) expect(asList(s.Action).filter((a) => IAM_WRITE.test(a))).toEqual([]);
    }
  });
});
