import { join } from 'node:path';
import type { CfnTemplate } from '../../lib/roles/access-template';
import { blueprints } from '../../lib/roles/blueprints';
import { trustDocument } from '../../lib/roles/trust';
import { resolveMemberTemplate } from '../support/member-template';
import type { Template } from '../template/cfn';
import { deployed, packageTemplate, resourcesOfType, ROOT } from '../template/cfn';
import { ALLOW_ALL, decide, rcpOf, rolePolicies, type Policy } from './simulate';

/**
 * Who can become a Veeam role, whatever its trust says. The access role may rewrite the trust of the roles it manages
 * (IAM cannot condition on a trust policy's content), so the review's attack is: rewrite VeeamBackupRole's trust to name
 * yourself, then assume it. Simulated with the shipped templates: the organization's RCP from the management stack,
 * the access role from the StackSet's template, the function roles from the service stack.
 */
const SERVICE = '222233334444';
const MEMBER = '444455556666';
const APPLIANCE = 'arn:aws:iam::333333333333:role/VeeamImpersonation';
const EXTERNAL_ID = 'A'.repeat(40);
const OUTSIDER = 'arn:aws:iam::123412341234:role/Outsider';
const SERVICE_ADMIN = `arn:aws:iam::${SERVICE}:role/Admin`;
const WORKER_FN = `arn:aws:iam::${SERVICE}:role/veeam-org-sync-dev-WorkerRole-ABC`;
const [BACKUP, WORKER] = blueprints({ backupRoleName: 'VeeamBackupRole', workerRoleName: 'VeeamWorkerRole' });
const roleArn = (name: string) => `arn:aws:iam::${MEMBER}:role/${name}`;

let management: Template;
let withoutRcp: Template;
let service: Template;
let rcp: Policy;
let access: ReturnType<typeof resolveMemberTemplate>;

beforeAll(async () => {
  const common = {
    serviceAccountId: SERVICE,
    targetBusArn: `arn:aws:events:eu-central-1:${SERVICE}:event-bus/default`,
    trustedRoleArns: WORKER_FN,
    organizationsReaderArns: WORKER_FN,
    veeamPrincipalArn: APPLIANCE,
    orgRootId: 'r-ab12',
  };
  management = await packageTemplate(common, join(ROOT, 'management'));
  withoutRcp = await packageTemplate({ ...common, resourceControlPolicy: 'false' }, join(ROOT, 'management'));
  service = await packageTemplate({ orgId: 'o-abc123def4', veeamPrincipalArn: APPLIANCE, orgRootId: 'r-ab12' });
  rcp = rcpOf(management);
  const [[, stackSet] = []] = resourcesOfType(service, 'AWS::CloudFormation::StackSet');
  access = resolveMemberTemplate(
    { accountId: MEMBER, trustedRoleArns: [WORKER_FN] },
    JSON.parse(stackSet!.TemplateBody as string) as CfnTemplate,
  );
}, 300_000);

/** The trust after an attacker holding the access role rewrote it to name `principal` (no external ID). */
const rewritten = (principal: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
});

async function assume(
  principal: string,
  role: string,
  o: { trust: unknown; identity?: Policy[]; rcps?: Policy[]; externalId?: string },
) {
  return decide({
    principal,
    action: 'sts:AssumeRole',
    resource: roleArn(role),
    accountId: MEMBER,
    resourcePolicy: o.trust,
    ...(o.identity ? { identity: o.identity } : {}),
    rcps: o.rcps ?? [rcp],
    ...(o.externalId ? { context: { 'sts:ExternalId': o.externalId } } : {}),
  });
}

describe('the RCP as the management stack deploys it', () => {
  it('is a resource control policy attached to the organization root by default', () => {
    const [[id, policy] = []] = resourcesOfType(management, 'AWS::Organizations::Policy');
    expect(deployed(management, id!)).toBe(true);
    expect(policy).toMatchObject({ Type: 'RESOURCE_CONTROL_POLICY', TargetIds: ['r-ab12'] });
  });

  it('is left out with resourceControlPolicy=false (organizations without RCPs)', () => {
    const [[id] = []] = resourcesOfType(withoutRcp, 'AWS::Organizations::Policy');
    expect(deployed(withoutRcp, id!)).toBe(false);
  });
});

describe.each(['VeeamBackupRole', 'VeeamWorkerRole'])('after a trust rewrite of %s', (role) => {
  it('the access role that rewrote it is denied (its own Deny, and the RCP)', async () => {
    const identity = [access.accessPolicy.policy];
    const trust = rewritten(access.accessRoleArn);
    expect(await assume(access.accessRoleArn, role, { trust, identity })).toBe('ExplicitlyDenied');
    expect(await assume(access.accessRoleArn, role, { trust, identity, rcps: [] })).toBe('ExplicitlyDenied');
  });

  it('a principal of the service account is denied: a function role (its own Deny) or any other role there', async () => {
    const worker = rolePolicies(service, 'WorkerRole');
    expect(await assume(WORKER_FN, role, { trust: rewritten(WORKER_FN), identity: worker })).toBe('ExplicitlyDenied');
    expect(await assume(WORKER_FN, role, { trust: rewritten(WORKER_FN), identity: worker, rcps: [] })).toBe(
      'ExplicitlyDenied',
    );
    expect(await assume(SERVICE_ADMIN, role, { trust: rewritten(SERVICE_ADMIN) })).toBe('ExplicitlyDenied');
  });

  it('a principal outside the organization is denied by the RCP (without it, the rewrite would let it in)', async () => {
    expect(await assume(OUTSIDER, role, { trust: rewritten(OUTSIDER) })).toBe('ExplicitlyDenied');
    expect(await assume(OUTSIDER, role, { trust: rewritten(OUTSIDER), rcps: [] })).toBe('Allowed');
  });

  it('an AWS service other than EC2 named in a rewritten trust is denied', async () => {
    const trust = {
      ...rewritten(OUTSIDER),
      Statement: [{ ...rewritten(OUTSIDER).Statement[0], Principal: { Service: 'lambda.amazonaws.com' } }],
    };
    expect(await assume('lambda.amazonaws.com', role, { trust })).toBe('ExplicitlyDenied');
  });
});

describe('the appliance', () => {
  it.each([BACKUP!, WORKER!])('assumes $roleName with the external ID, through the RCP', async (bp) => {
    const trust = trustDocument({ principalArn: APPLIANCE, externalIds: [EXTERNAL_ID] }, bp.trustServices);
    const identity = [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
    ];
    expect(await assume(APPLIANCE, bp.roleName, { trust, identity, externalId: EXTERNAL_ID })).toBe('Allowed');
    expect(await assume(APPLIANCE, bp.roleName, { trust, identity, externalId: 'B'.repeat(40) })).not.toBe('Allowed');
  });

  it('leaves EC2 able to assume the worker role for its instance profile', async () => {
    const trust = trustDocument({ principalArn: APPLIANCE, externalIds: [EXTERNAL_ID] }, WORKER!.trustServices);
    expect(await assume('ec2.amazonaws.com', 'VeeamWorkerRole', { trust })).toBe('Allowed');
  });

  it('is the only IAM principal the RCP lets through, even with a trust naming everyone', async () => {
    const everyone = rewritten('*');
    expect(await assume(APPLIANCE, 'VeeamBackupRole', { trust: everyone, identity: [ALLOW_ALL] })).toBe('Allowed');
    expect(await assume(OUTSIDER, 'VeeamBackupRole', { trust: everyone })).toBe('ExplicitlyDenied');
  });
});
