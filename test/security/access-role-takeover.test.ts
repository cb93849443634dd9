import { convergeAccount } from '../../lib/account/converge-account';
import type { CfnTemplate } from '../../lib/roles/access-template';
import { MANAGED_TAG } from '../../lib/roles/tags';
import { startWorld, type World } from '../../sim/world';
import { addAccount, depsFor } from '../support/account-harness';
import { resolveMemberTemplate } from '../support/member-template';
import { packageTemplate, resourcesOfType } from '../template/cfn';
import { decide, type Context, type Policy } from './simulate';

/**
 * No takeover, no forged ownership. The access role, as the packaged StackSet deploys it, may not put a boundary on a
 * role (which would make a same-named role someone else made satisfy its boundary condition, then be rewritten or
 * deleted), may write tags only on a role already carrying this installation's ownership tag and only under our keys,
 * and may hand the worker role to EC2 only. And the product never tries: a same-named role without our boundary is a
 * conflict, reported, and left exactly as it was.
 */
const MEMBER = '444455556666';
const OURS = 'veeam-org-sync';
const role = (name: string) => `arn:aws:iam::${MEMBER}:role/${name}`;

let accessPolicy: Policy;
let accessRoleArn: string;
let boundaryArn: string;

beforeAll(async () => {
  const service = await packageTemplate({ orgId: 'o-abc123def4' });
  const [[, stackSet] = []] = resourcesOfType(service, 'AWS::CloudFormation::StackSet');
  const stack = resolveMemberTemplate(
    { accountId: MEMBER, trustedRoleArns: ['arn:aws:iam::222233334444:role/WorkerFn'] },
    JSON.parse(stackSet!.TemplateBody as string) as CfnTemplate,
  );
  accessPolicy = stack.accessPolicy.policy;
  accessRoleArn = stack.accessRoleArn;
  boundaryArn = stack.boundaryArn;
}, 300_000);

const asAccessRole = (action: string, resource: string, context: Context = {}) =>
  decide({ principal: accessRoleArn, action, resource, accountId: MEMBER, context, identity: [accessPolicy] });

describe('the access role cannot take over a same-named role', () => {
  it('is denied PutRolePermissionsBoundary, even with our boundary, on every role', async () => {
    for (const name of ['VeeamBackupRole', 'VeeamWorkerRole', 'Other'])
      expect(
        await asAccessRole('iam:PutRolePermissionsBoundary', role(name), { 'iam:PermissionsBoundary': boundaryArn }),
      ).toBe('ExplicitlyDenied');
  });

  it('cannot rewrite the trust or policies of a same-named role without our boundary, or delete it', async () => {
    for (const action of ['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRole'])
      expect(await asAccessRole(action, role('VeeamBackupRole'))).not.toBe('Allowed');
    // The same writes on a role of ours (it carries the boundary) are what convergence needs.
    expect(
      await asAccessRole('iam:UpdateAssumeRolePolicy', role('VeeamBackupRole'), {
        'iam:PermissionsBoundary': boundaryArn,
      }),
    ).toBe('Allowed');
  });
});

describe('ownership tags cannot be forged', () => {
  const tagging = (owner: string | undefined, keys: string[]): Context => ({
    ...(owner ? { [`aws:ResourceTag/${MANAGED_TAG}`]: owner } : {}),
    'aws:TagKeys': keys,
  });

  it('is denied tagging a role without our ownership tag, or with another installation’s', async () => {
    for (const action of ['iam:TagRole', 'iam:UntagRole']) {
      expect(await asAccessRole(action, role('VeeamBackupRole'), tagging(undefined, [MANAGED_TAG]))).not.toBe(
        'Allowed',
      );
      expect(await asAccessRole(action, role('VeeamBackupRole'), tagging('team-b', [MANAGED_TAG]))).not.toBe('Allowed');
    }
  });

  it('tags a role of ours under our keys only', async () => {
    expect(await asAccessRole('iam:TagRole', role('VeeamBackupRole'), tagging(OURS, [MANAGED_TAG]))).toBe('Allowed');
    expect(await asAccessRole('iam:TagRole', role('VeeamBackupRole'), tagging(OURS, [MANAGED_TAG, 'Owner']))).not.toBe(
      'Allowed',
    );
    expect(await asAccessRole('iam:UntagRole', role('VeeamBackupRole'), tagging(OURS, ['CostCenter']))).not.toBe(
      'Allowed',
    );
  });

  it('creates a role only with our boundary and this installation’s ownership tag', async () => {
    const create = (owner: string | undefined, keys: string[]) => ({
      'iam:PermissionsBoundary': boundaryArn,
      ...(owner ? { [`aws:RequestTag/${MANAGED_TAG}`]: owner } : {}),
      'aws:TagKeys': keys,
    });
    expect(await asAccessRole('iam:CreateRole', role('VeeamBackupRole'), create(OURS, [MANAGED_TAG]))).toBe('Allowed');
    expect(await asAccessRole('iam:CreateRole', role('VeeamBackupRole'), create('team-b', [MANAGED_TAG]))).not.toBe(
      'Allowed',
    );
    expect(await asAccessRole('iam:CreateRole', role('VeeamBackupRole'), create(undefined, []))).not.toBe('Allowed');
    expect(
      await asAccessRole('iam:CreateRole', role('VeeamBackupRole'), create(OURS, [MANAGED_TAG, 'Owner'])),
    ).not.toBe('Allowed');
  });
});

describe('the worker role goes to EC2 only', () => {
  it('is denied passing the worker role to any other service, and passing the backup role at all', async () => {
    for (const service of ['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com', 'ssm.amazonaws.com'])
      expect(await asAccessRole('iam:PassRole', role('VeeamWorkerRole'), { 'iam:PassedToService': service })).not.toBe(
        'Allowed',
      );
    expect(
      await asAccessRole('iam:PassRole', role('VeeamBackupRole'), { 'iam:PassedToService': 'ec2.amazonaws.com' }),
    ).not.toBe('Allowed');
  });

  it('passes it to EC2 (the instance profile) ', async () => {
    expect(
      await asAccessRole('iam:PassRole', role('VeeamWorkerRole'), { 'iam:PassedToService': 'ec2.amazonaws.com' }),
    ).toBe('Allowed');
  });
});

describe('a same-named role without our boundary', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.stop());

  it('is reported as a conflict, and nothing is adopted or written to it', async () => {
    addAccount(world, MEMBER);
    // Made by hand (or by an older version through an administrator role), carrying our name and even our tag.
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
    };
    world.iam.addRole(MEMBER, 'VeeamBackupRole', { trust, tags: { [MANAGED_TAG]: OURS } });
    const before = JSON.stringify(world.iam.role(MEMBER, 'VeeamBackupRole'), (_k, v: unknown) =>
      v instanceof Map ? [...v] : v,
    );

    const report = await convergeAccount(depsFor(), MEMBER, { dryRun: false, reason: 'test' });

    expect(report.action).toBe('conflict');
    const backup = report.roles.find((r) => r.roleName === 'VeeamBackupRole')!;
    expect(backup.role).toBe('conflict');
    expect(backup.veeam).not.toMatch(/^(created|updated)$/);
    expect(JSON.stringify(report)).toMatch(
      /carries no permissions boundary, not VeeamOrgSyncBoundary, so it was not modified/,
    );
    const after = JSON.stringify(world.iam.role(MEMBER, 'VeeamBackupRole'), (_k, v: unknown) =>
      v instanceof Map ? [...v] : v,
    );
    expect(after).toBe(before);
    expect(world.iam.writes(MEMBER).filter((c) => c.input.RoleName === 'VeeamBackupRole')).toEqual([]);
    expect(world.iam.callsOf('PutRolePermissionsBoundary')).toEqual([]);
    // The other role, which nobody had claimed, is created with the boundary as usual.
    expect(world.iam.role(MEMBER, 'VeeamWorkerRole')?.boundary).toBe(
      `arn:aws:iam::${MEMBER}:policy/VeeamOrgSyncBoundary`,
    );
  });
});
