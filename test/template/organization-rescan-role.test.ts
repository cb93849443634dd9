import { join } from 'node:path';
import { deployed, packageTemplate, resourcesOfType, ROOT, roleStatements, type Template } from './cfn';

/** The management stack's Organization rescan role (organizations mode only). */
const SERVICE = '222233334444';
const APPLIANCE = 'arn:aws:iam::333344445555:role/VeeamImpersonation';
const common = {
  serviceAccountId: SERVICE,
  targetBusArn: `arn:aws:events:eu-central-1:${SERVICE}:event-bus/default`,
  trustedRoleArns: `arn:aws:iam::${SERVICE}:role/svc-WorkerRole-A`,
};
const DIR = join(ROOT, 'management');
/** Veeam's organization_permissions page (VBAWS 9 and later). */
const documented = [
  'iam:GetContextKeysForPrincipalPolicy',
  'iam:ListAccountAliases',
  'iam:SimulatePrincipalPolicy',
  'organizations:DescribeAccount',
  'organizations:DescribeOrganization',
  'organizations:DescribeOrganizationalUnit',
  'organizations:ListChildren',
  'organizations:ListRoots',
];

let organization: Template;
let accounts: Template;
beforeAll(async () => {
  organization = await packageTemplate({ ...common, veeamMode: 'organization', veeamPrincipalArn: APPLIANCE }, DIR);
  accounts = await packageTemplate(common, DIR);
}, 300_000);

describe('the Organization rescan role (management stack)', () => {
  it('exists only in organizations mode', () => {
    expect(deployed(organization, 'OrganizationRescanRole')).toBe(true);
    expect(deployed(accounts, 'OrganizationRescanRole')).toBe(false);
  });

  it('has exactly the documented read-only permissions, on *', () => {
    const statements = roleStatements(organization, 'OrganizationRescanRole');
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual([...documented].sort());
    expect(statements.every((s) => s.Effect === 'Allow' && s.Resource === '*')).toBe(true);
  });

  it('is trusted by the appliance role alone, and its ARN is an output (VEEAM_RESCAN_ROLE_ARN)', () => {
    const [, role] = resourcesOfType(organization, 'AWS::IAM::Role').find(([id]) => id === 'OrganizationRescanRole')!;
    const trust = role.AssumeRolePolicyDocument as { Statement: Array<{ Principal: unknown; Action: unknown }> };
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: APPLIANCE }, Action: 'sts:AssumeRole' }),
    ]);
    expect(organization.Outputs?.OrganizationRescanRoleArn).toBeDefined();
  });
});
