import { runSimulation } from '@cloud-copilot/iam-simulate';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { accessPolicyStatements, boundaryPolicyArn } from '../../lib/roles/access-template';
import { IamRoleStore } from '../../lib/roles/iam-role-store';
import { installIamStsFake } from '../../sim/aws/iam-sts-fake';
import { accessTemplate } from '../../scripts/access-template';
import { BACKUP, desired, WORKER } from './iam-world';

/**
 * The access role's policy and trust, as the StackSet deploys them, evaluated by an independent IAM policy
 * simulator: what the access role can and cannot do must hold in IAM's semantics, not in our reading of it.
 */
const MEMBER = '444455556666';
const SERVICE = '111111111111';
const WORKER_FN = `arn:aws:iam::${SERVICE}:role/veeam-org-sync-prod-WorkerRole-ABC123`;
const ACCESS = `arn:aws:iam::${MEMBER}:role/VeeamOrgSyncAccess`;
const BOUNDARY = boundaryPolicyArn('aws', MEMBER);
const VARS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': MEMBER,
  BackupRoleName: 'VeeamBackupRole',
  WorkerRoleName: 'VeeamWorkerRole',
};

/** Fn::Sub with the stack's parameters, as CloudFormation resolves it in the member account. */
function resolve(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(resolve);
  if (v && typeof v === 'object') {
    const sub = (v as Record<string, unknown>)['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}]+)\}/g, (_m, k: string) => VARS[k] ?? `?${k}`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  }
  return v;
}

const ACCESS_POLICY = {
  name: 'veeam-org-sync-access',
  policy: { Version: '2012-10-17', Statement: resolve(accessPolicyStatements()) },
};

async function decide(action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
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

describe('the access role (VeeamOrgSyncAccess) in IAM’s semantics', () => {
  it('may create VeeamBackupRole with the boundary', async () => {
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'), withBoundary)).toBe('Allowed');
    expect(await decide('iam:CreateRole', role('VeeamWorkerRole'), withBoundary)).toBe('Allowed');
  });

  it('may not create it without the boundary, or with another one', async () => {
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'))).toBe('ExplicitlyDenied');
    const admin = { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' };
    expect(await decide('iam:CreateRole', role('VeeamBackupRole'), admin)).toBe('ExplicitlyDenied');
  });

  it('may not create any other role, even with the boundary', async () => {
    expect(await decide('iam:CreateRole', role('Anything'), withBoundary)).not.toBe('Allowed');
    expect(await decide('iam:CreateRole', role('VeeamOrgSyncAccess'), withBoundary)).not.toBe('Allowed');
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

  it('may never remove a boundary, and may only set ours', async () => {
    expect(await decide('iam:DeleteRolePermissionsBoundary', role('VeeamBackupRole'))).toBe('ExplicitlyDenied');
    expect(await decide('iam:PutRolePermissionsBoundary', role('VeeamBackupRole'), withBoundary)).toBe('Allowed');
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
      // A role of ours created before the boundary existed is repaired; then everything is removed again.
      const boundaryRemovedAt = fake.calls.length;
      delete fake.role(MEMBER, 'VeeamBackupRole')!.boundary;
      await store.ensure(BACKUP, desired(), await store.read(BACKUP), { dryRun: false });
      expect(fake.role(MEMBER, 'VeeamBackupRole')!.boundary).toBe(BOUNDARY);
      for (const bp of [BACKUP, WORKER]) await store.remove(bp, { dryRun: false });

      // IAM evaluates iam:PermissionsBoundary from the request (create, put boundary) or from the role as it is.
      const boundaries = new Map<string, string>();
      const contextOf = new Map<(typeof fake.calls)[number], Record<string, string>>();
      fake.calls.forEach((call, i) => {
        if (i === boundaryRemovedAt) boundaries.delete('VeeamBackupRole');
        const name = String(call.input.RoleName);
        const requested = call.input.PermissionsBoundary as string | undefined;
        const current = requested ?? boundaries.get(name);
        contextOf.set(call, current ? { 'iam:PermissionsBoundary': current } : {});
        if (requested && !call.error) boundaries.set(name, requested);
      });
      const iamCalls = fake.calls.filter((x) => x.service === 'iam');
      expect(iamCalls.filter((x) => x.error && x.error !== 'NoSuchEntityException')).toEqual([]);
      const commands = new Set(iamCalls.map((x) => x.command));
      for (const needed of ['CreateRole', 'PutRolePermissionsBoundary', 'AddRoleToInstanceProfile', 'DeleteRole'])
        expect(commands).toContain(needed);
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
  const trust = resolve(accessTemplate().Resources.VeeamOrgSyncAccessRole!.Properties.AssumeRolePolicyDocument) as {
    Statement: { Principal: { AWS: unknown } }[];
  };
  trust.Statement[0]!.Principal.AWS = [WORKER_FN];

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
