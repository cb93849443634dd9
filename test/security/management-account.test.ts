import { convergeAccount } from '../../lib/account/converge-account';
import { startWorld, type World } from '../../sim/world';
import { depsFor } from '../support/account-harness';
import type { Template } from '../template/cfn';
import { asList, deployed, evaluate, packageTemplate, roleStatements } from '../template/cfn';
import { decide, rolePolicies, type Policy } from './simulate';

/**
 * Opting the management account in no longer makes the functions its IAM administrators. With
 * includeManagementAccount=true (the service in the management account, stackSetCallAs=SELF) the stack deploys the
 * access role and boundary there itself, since a StackSet never deploys to the management account; the functions
 * hold no IAM permission of their own and enter that account through the access role like any member.
 */
const OWN = '123456789012'; // the account the packaged template is evaluated in (test/template/cfn.ts)
const FUNCTIONS = ['IntakeRole', 'WorkerRole', 'ReconcileRole', 'RotateRole'];
const fnArn = (id: string) => `arn:aws:iam::${OWN}:role/veeam-org-sync-dev-${id}-ABC`;

let optedIn: Template;

beforeAll(async () => {
  optedIn = await packageTemplate({
    orgId: 'o-abc123def4',
    orgRootId: 'r-ab12',
    includeManagementAccount: 'true',
    veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
  });
}, 300_000);

/** The access role the stack deploys in its own account, as evaluated there. */
function accessRole() {
  const role = evaluate(optedIn, optedIn.Resources.VeeamOrgSyncAccessRole!.Properties) as {
    RoleName: string;
    AssumeRolePolicyDocument: { Statement: { Principal: { AWS: string[] } }[] };
    Policies: { PolicyDocument: Policy }[];
  };
  const trust = JSON.parse(
    JSON.stringify(role.AssumeRolePolicyDocument)
      .replace('"WorkerRole.Arn"', JSON.stringify(fnArn('WorkerRole')))
      .replace('"ReconcileRole.Arn"', JSON.stringify(fnArn('ReconcileRole'))),
  ) as unknown;
  return { arn: `arn:aws:iam::${OWN}:role/${role.RoleName}`, trust, policy: role.Policies[0]!.PolicyDocument };
}

describe('includeManagementAccount=true', () => {
  it('deploys the access role and the boundary in the stack’s own account', () => {
    expect(deployed(optedIn, 'VeeamOrgSyncAccessRole')).toBe(true);
    expect(deployed(optedIn, 'VeeamOrgSyncBoundary')).toBe(true);
  });

  it('grants no function any IAM permission', () => {
    for (const id of FUNCTIONS)
      expect(
        roleStatements(optedIn, id)
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => asList(s.Action))
          .filter((a) => a.startsWith('iam:')),
      ).toEqual([]);
  });

  it.each(FUNCTIONS)('%s may not create or write a role in the management account, bounded or not', async (id) => {
    const identity = rolePolicies(optedIn, id);
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy'])
      for (const name of ['VeeamBackupRole', 'VeeamWorkerRole', 'Anything'])
        expect(
          await decide({
            principal: fnArn(id),
            action,
            resource: `arn:aws:iam::${OWN}:role/${name}`,
            accountId: OWN,
            identity,
          }),
        ).not.toBe('Allowed');
  });

  it('lets the worker and reconcile functions into the account through its access role only', async () => {
    const access = accessRole();
    for (const id of ['WorkerRole', 'ReconcileRole'])
      expect(
        await decide({
          principal: fnArn(id),
          action: 'sts:AssumeRole',
          resource: access.arn,
          accountId: OWN,
          context: { 'aws:ResourceOrgID': 'o-abc123def4' },
          identity: rolePolicies(optedIn, id),
          resourcePolicy: access.trust,
        }),
      ).toBe('Allowed');
  });

  it('the access role there creates roles only with the boundary', async () => {
    const { arn, policy } = accessRole();
    const boundary = `arn:aws:iam::${OWN}:policy/VeeamOrgSyncBoundary`;
    const create = (context: Record<string, string | string[]>) =>
      decide({
        principal: arn,
        action: 'iam:CreateRole',
        resource: `arn:aws:iam::${OWN}:role/VeeamBackupRole`,
        accountId: OWN,
        context,
        identity: [policy],
      });
    const ownTag = {
      'aws:RequestTag/veeam-org-sync:managed': 'veeam-org-sync',
      'aws:TagKeys': ['veeam-org-sync:managed'],
    };
    expect(await create({ ...ownTag, 'iam:PermissionsBoundary': boundary })).toBe('Allowed');
    expect(await create(ownTag)).toBe('ExplicitlyDenied');
    expect(await create({ ...ownTag, 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe(
      'ExplicitlyDenied',
    );
  });
});

describe('the management account protected by the running product', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ env: { INCLUDE_MANAGEMENT_ACCOUNT: 'true' } });
  });
  afterAll(() => world.stop());

  it('is entered through its access role and gets bounded roles, like any member', async () => {
    const mgmt = world.org.managementAccountId;
    world.org.createAccount({ id: mgmt, name: 'management' });
    world.iam.addAccount(mgmt); // its access role: the stack's own resources (above)
    const report = await convergeAccount(depsFor(), mgmt, { dryRun: false, reason: 'test' });
    expect(report.action).toBe('create');
    expect(world.iam.callsOf('AssumeRole').map((c) => c.input.RoleArn)).toContain(
      `arn:aws:iam::${mgmt}:role/VeeamOrgSyncAccess`,
    );
    for (const name of ['VeeamBackupRole', 'VeeamWorkerRole'])
      expect(world.iam.role(mgmt, name)!.boundary).toBe(`arn:aws:iam::${mgmt}:policy/VeeamOrgSyncBoundary`);
  });
});
