import { runSimulation } from '@cloud-copilot/iam-simulate';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { IamRoleStore } from '../../lib/roles/iam-role-store';
import { installIamStsFake } from '../../sim/aws/iam-sts';
import { resolveMemberTemplate } from '../support/member-template';
import { BACKUP, desired, WORKER } from './iam-world';

/**
 * The access role's policy and trust, as the StackSet deploys them, evaluated by an independent IAM policy
 * simulator: what the access role can and cannot do must hold in IAM's semantics, not in our reading of it.
 */
const MEMBER = '444455556666';
const SERVICE = '111111111111';
const WORKER_FN = `arn:aws:iam::${SERVICE}:role/veeam-org-sync-prod-WorkerRole-ABC123`;
const STACK = resolveMemberTemplate({ accountId: MEMBER, trustedRoleArns: [WORKER_FN] });
const ACCESS = STACK.accessRoleArn;
const BOUNDARY = STACK.boundaryArn;
const ACCESS_POLICY = STACK.accessPolicy;
const OWN_TAGS = {
  'aws:RequestTag/veeam-org-sync:managed': 'veeam-org-sync',
  'aws:TagKeys': ['veeam-org-sync:managed'],
};

async function decide(
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<string> {
  const res = await runSimulation(
    {
      request: {
        principal: ACCESS,
        action,
        resource: { resource, accountId: MEMBER },
        contextVariables: context,
      },
      identityPolicies: [ACCESS_POLICY],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (res.resultType === 'error') throw new Error(`simulation rejected its input: ${JSON.stringify(res.errors)}`);
  if (res.resultType !== 'single') throw new Error(`unexpected ${res.resultType}`);
  return res.overallResult;
}

const role = (name: string) => `arn:aws:iam::${MEMBER}:role/${name}`;
const withBoundary = { 'iam:PermissionsBoundary': BOUNDARY };
const creating = { ...withBoundary, ...OWN_TAGS };

describe('the access role (VeeamOrgSyncAccess) in IAM’s semantics', () => {
  it('may create VeeamBackupRole with the boundary and this installation’s ownership tag', async () => {
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'), creating)).toBe('Allowed');
    expect(await decide('iam:CreateRole', role('VeeamWorkerRole'), creating)).toBe('Allowed');
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'), withBoundary)).not.toBe('Allowed');
  });

  it('may not create it without the boundary, or with another one', async () => {
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'))).toBe('ExplicitlyDenied');
    const admin = { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' };
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'), admin)).toBe('ExplicitlyDenied');
  });

  it('may not create any other role, even with the boundary', async () => {
    expect(await decide('iam:CreateRole', role('Anything'), creating)).not.toBe('Allowed');
    expect(await decide('iam:CreateRole', role('VeeamOrgSyncAccess'), creating)).not.toBe('Allowed');
  });

  it('may not attach AdministratorAccess, to our roles or any other', async () => {
    const admin = { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' };
    for (const name of ['VeeamBackupRole', 'VeeamWorkerRole', 'VeeamOrgSyncAccess', 'Other'])
      expect(await decide('iam:AttachRolePolicy', role(name), admin)).not.toBe('Allowed');
  });

  it('may put an inline policy on our roles only', async () => {
    expect(await decide('iam:PutRolePolicy', role('VeeamBackupRole'), withBoundary)).toBe('Allowed');
    for (const name of ['Other', 'OrganizationAccountAccessRole', 'VeeamOrgSyncAccess'])
      expect(await decide('iam:PutRolePolicy', role(name), withBoundary)).not.toBe('Allowed');
    expect(await decide('iam:UpdateAssumeRolePolicy', role('Other'), withBoundary)).not.toBe('Allowed');
  });

  it('may not change the trust or the policies of a same-named role that lacks our boundary (someone else made it)', async () => {
    for (const action of ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePolicy', 'iam:DeleteRole'])
      expect(await decide(action, role('VeeamBackupRole'))).not.toBe('Allowed');
  });

  it('may never remove or set a boundary, not even ours', async () => {
    expect(await decide('iam:DeleteRolePermissionsBoundary', role('VeeamBackupRole'))).toBe('ExplicitlyDenied');
    expect(await decide('iam:PutRolePermissionsBoundary', role('VeeamBackupRole'), withBoundary)).toBe(
      'ExplicitlyDenied',
    );
    expect(
      await decide('iam:PutRolePermissionsBoundary', role('VeeamBackupRole'), {
        'iam:PermissionsBoundary': `arn:aws:iam::${MEMBER}:policy/Wide`,
      }),
    ).toBe('ExplicitlyDenied');
    expect(await decide('iam:CreatePolicyVersion', BOUNDARY)).toBe('ExplicitlyDenied');
  });

  it('may not create users or access keys', async () => {
    expect(await decide('iam:CreateUser', `arn:aws:iam::${MEMBER}:user/intruder`)).not.toBe('Allowed');
    expect(await decide('iam:CreateAccessKey', `arn:aws:iam::${MEMBER}:user/intruder`)).not.toBe('Allowed');
  });

  it('allows every IAM call the real role code makes through it (create, repair, remove)', async () => {
    const fake = installIamStsFake({
      managementAccountId: SERVICE,
      accessRole: { roleName: 'VeeamOrgSyncAccess', manages: ['VeeamBackupRole', 'VeeamWorkerRole'] },
    });
    try {
      fake.addAccount(MEMBER);
      const sts = new STSClient({
        region: 'us-east-1',
        credentials: { accessKeyId: `FAKE${SERVICE}S`, secretAccessKey: 'x' },
      });
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ACCESS, RoleSessionName: 't' }))).Credentials!;
      const iam = new IAMClient({
        region: 'us-east-1',
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
        },
      });
      const store = new IamRoleStore(MEMBER, iam, {
        principalArn: desired().principalArn,
        permissionsBoundaryArn: BOUNDARY,
      });
      for (const bp of [BACKUP, WORKER]) await store.ensure(bp, desired(), await store.read(bp), { dryRun: false });
      // Drift repaired (trust, tags), then everything removed again.
      fake.role(MEMBER, 'VeeamBackupRole')!.trust = JSON.stringify({ Version: '2012-10-17', Statement: [] });
      fake.role(MEMBER, 'VeeamBackupRole')!.tags.delete('veeam-org-sync:blueprint');
      await store.ensure(BACKUP, desired(), await store.read(BACKUP), { dryRun: false });
      for (const bp of [BACKUP, WORKER]) await store.remove(bp, { dryRun: false });

      // IAM evaluates iam:PermissionsBoundary and the request tags from the request (create), the boundary and the
      // resource tags from the role as it is (every other write).
      const roles = new Map<string, { boundary?: string; managed?: string }>();
      const contextOf = new Map<(typeof fake.calls)[number], Record<string, string | string[]>>();
      for (const call of fake.calls) {
        const name = String(call.input.RoleName);
        const tags = (call.input.Tags ?? []) as { Key: string; Value: string }[];
        const keys = call.command === 'UntagRole' ? (call.input.TagKeys as string[]) : tags.map((t) => t.Key);
        const context: Record<string, string | string[]> = {};
        if (call.command === 'CreateRole') {
          context['iam:PermissionsBoundary'] = String(call.input.PermissionsBoundary);
          for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
          context['aws:TagKeys'] = keys;
          if (!call.error)
            roles.set(name, {
              boundary: String(call.input.PermissionsBoundary),
              managed: tags.find((t) => t.Key === 'veeam-org-sync:managed')?.Value,
            });
        } else {
          const now = roles.get(name);
          if (now?.boundary) context['iam:PermissionsBoundary'] = now.boundary;
          if (now?.managed) context['aws:ResourceTag/veeam-org-sync:managed'] = now.managed;
          if (call.command === 'TagRole' || call.command === 'UntagRole') context['aws:TagKeys'] = keys;
        }
        contextOf.set(call, context);
      }
      const iamCalls = fake.calls.filter((x) => x.service === 'iam');
      expect(iamCalls.filter((x) => x.error && x.error !== 'NoSuchEntityException')).toEqual([]);
      const commands = new Set(iamCalls.map((x) => x.command));
      for (const needed of [
        'CreateRole',
        'UpdateAssumeRolePolicy',
        'TagRole',
        'AddRoleToInstanceProfile',
        'DeleteRole',
      ])
        expect(commands).toContain(needed);
      expect(commands).not.toContain('PutRolePermissionsBoundary');
      for (const call of iamCalls) {
        const profile = call.input.InstanceProfileName as string | undefined;
        const resource = profile
          ? `arn:aws:iam::${MEMBER}:instance-profile/${profile}`
          : role(String(call.input.RoleName));
        const context = contextOf.get(call) ?? {};
        expect([call.command, resource, await decide(`iam:${call.command}`, resource, context)]).toEqual([
          call.command,
          resource,
          'Allowed',
        ]);
        if (call.command === 'AddRoleToInstanceProfile')
          expect(await decide('iam:PassRole', role(String(call.input.RoleName)))).toBe('Allowed');
      }
    } finally {
      fake.restore();
    }
  });
});

describe('its trust', () => {
  const trust = STACK.accessTrust;

  const assume = async (principal: string) => {
    const res = await runSimulation(
      {
        request: {
          principal,
          action: 'sts:AssumeRole',
          resource: { resource: ACCESS, accountId: MEMBER },
          contextVariables: {},
        },
        identityPolicies: [
          {
            name: 'p',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
            },
          },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      },
      {},
    );
    if (res.resultType !== 'single') throw new Error(JSON.stringify(res));
    return res.overallResult;
  };

  it('lets in the service’s function role and nobody else of that account', async () => {
    expect(await assume(WORKER_FN)).toBe('Allowed');
    expect(await assume(`arn:aws:iam::${SERVICE}:role/SomeAdmin`)).not.toBe('Allowed');
    expect(await assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`)).not.toBe('Allowed');
  });
});
