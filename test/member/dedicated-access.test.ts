import { STSClient } from '@aws-sdk/client-sts';
import { describeError, RetryableError } from '../../lib/errors';
import { AccessRoleMissingError } from '../../lib/member/errors';
import { StsMemberAccess } from '../../lib/member/member-access';
import { blueprints } from '../../lib/roles/blueprints';
import { installIamStsFake, type IamStsFake } from '../../sim/aws/iam-sts';

const MGMT = '111111111111';
const MEMBER = '444455556666';
const APPLIANCE = 'arn:aws:iam::999988887777:role/VeeamImpersonation';
const [BACKUP, WORKER] = blueprints({ backupRoleName: 'VeeamBackupRole', workerRoleName: 'VeeamWorkerRole' });
const TRUST = { principalArn: APPLIANCE, externalIds: ['X'.repeat(40)], stateTags: {} };
const BOUNDARY = `arn:aws:iam::${MEMBER}:policy/VeeamOrgSyncBoundary`;
const own = { accessKeyId: `FAKE${MGMT}SVC`, secretAccessKey: 'x' };

let fake: IamStsFake;
let slept: number[];
beforeEach(() => {
  fake = installIamStsFake({
    managementAccountId: MGMT,
    accessRole: { roleName: 'VeeamOrgSyncAccess', manages: ['VeeamBackupRole', 'VeeamWorkerRole'] },
  });
  slept = [];
});
afterEach(() => fake.restore());

function access(memberAccess: 'dedicated' | 'existing' = 'dedicated') {
  return new StsMemberAccess({
    config: {
      installationId: 'veeam-org-sync',
      memberAccess,
      accessRoleName: 'VeeamOrgSyncAccess',
      memberRoleNames: ['OrganizationAccountAccessRole', 'AWSControlTowerExecution'],
      region: 'us-east-1',
      veeamPrincipalArn: APPLIANCE,
    },
    sts: new STSClient({ region: 'us-east-1', credentials: own }),
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  });
}

async function converge(a: StsMemberAccess, accountId: string) {
  const roles = await a.roles(accountId);
  for (const bp of [BACKUP!, WORKER!]) await roles.ensure(bp, TRUST, await roles.read(bp), { dryRun: false });
}

describe('dedicated member access (MEMBER_ACCESS=dedicated)', () => {
  it('enters the account it runs in (management or delegated administrator) through the access role like any member', async () => {
    // The service's own credentials belong to MGMT here; the access role there comes from the management stack (or,
    // in a delegated administrator account, from the StackSet).
    fake.deployAccessRole(MGMT);
    await converge(access(), MGMT);
    expect(fake.callsOf('AssumeRole').map((c) => c.input.RoleArn)).toEqual([
      `arn:aws:iam::${MGMT}:role/VeeamOrgSyncAccess`,
    ]);
    const boundary = `arn:aws:iam::${MGMT}:policy/VeeamOrgSyncBoundary`;
    expect(fake.role(MGMT, 'VeeamBackupRole')!.boundary).toBe(boundary);
    expect(fake.role(MGMT, 'VeeamWorkerRole')!.boundary).toBe(boundary);
    // No IAM call was made with the service's own credentials.
    expect(fake.calls.filter((c) => c.service === 'iam' && c.accountId === MGMT)).toEqual(
      fake.calls.filter((c) => c.service === 'iam'),
    );
  });

  it('without the access role in its own account, reports it missing instead of acting with its own credentials', async () => {
    await expect(access().roles(MGMT)).rejects.toBeInstanceOf(AccessRoleMissingError);
    expect(fake.writes()).toEqual([]);
  });

  it('assumes only the access role, and creates the Veeam roles with the boundary', async () => {
    fake.addAccount(MEMBER);
    await converge(access(), MEMBER);
    expect(fake.callsOf('AssumeRole').map((c) => c.input.RoleArn)).toEqual([
      `arn:aws:iam::${MEMBER}:role/VeeamOrgSyncAccess`,
    ]);
    expect(fake.callsOf('CreateRole').map((c) => c.input.PermissionsBoundary)).toEqual([BOUNDARY, BOUNDARY]);
    expect(fake.role(MEMBER, 'VeeamBackupRole')!.boundary).toBe(BOUNDARY);
    expect(fake.role(MEMBER, 'VeeamWorkerRole')!.boundary).toBe(BOUNDARY);
    // Nothing was done with the administrator role, which is still there.
    expect(fake.role(MEMBER, 'OrganizationAccountAccessRole')).toBeDefined();
  });

  it('never adopts a role of ours that lacks the boundary: a conflict naming the fix, and nothing written', async () => {
    fake.addAccount(MEMBER);
    await converge(access('existing'), MEMBER); // created by an older version, through the admin role
    expect(fake.role(MEMBER, 'VeeamBackupRole')!.boundary).toBeUndefined();
    const writes = fake.writes().length;
    const roles = await access().roles(MEMBER);
    const res = await roles.ensure(BACKUP!, TRUST, await roles.read(BACKUP!), { dryRun: false });
    expect(res.status).toBe('conflict');
    expect(res.changes).toEqual([]);
    expect(res.reason).toMatch(
      /^role VeeamBackupRole in 444455556666 carries no permissions boundary, not VeeamOrgSyncBoundary, so it was not modified/,
    );
    expect(res.reason).toContain(
      `aws iam put-role-permissions-boundary --role-name VeeamBackupRole --permissions-boundary ${BOUNDARY}`,
    );
    expect(fake.writes()).toHaveLength(writes);
    expect(fake.role(MEMBER, 'VeeamBackupRole')!.boundary).toBeUndefined();
  });

  it('treats a missing access role as transient: one attempt, retryable, the message names the cause', async () => {
    fake.addAccount(MEMBER, { accessRoleAfterAttempts: 2 });
    const err = await access()
      .roles(MEMBER)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessRoleMissingError);
    expect(err).toBeInstanceOf(RetryableError);
    expect(describeError(err)).toMatchObject({ code: 'AccessRoleMissing', retryable: true });
    expect((err as Error).message).toMatch(
      /^access role VeeamOrgSyncAccess missing: is the account in a StackSet target OU\?/,
    );
    expect((err as Error).message).toContain(MEMBER);
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);
    expect(slept).toEqual([]); // the queue's short backoff waits, not the Lambda
    // The StackSet reaches the account: the next delivery protects it.
    await access()
      .roles(MEMBER)
      .catch(() => undefined);
    await converge(access(), MEMBER);
    expect(fake.role(MEMBER, 'VeeamBackupRole')!.boundary).toBe(BOUNDARY);
  });

  it('never falls back to an administrator role', async () => {
    fake.addAccount(MEMBER, { accessRoleAfterAttempts: 1000 });
    await expect(access().roles(MEMBER)).rejects.toBeInstanceOf(AccessRoleMissingError);
    expect(fake.callsOf('AssumeRole').every((c) => String(c.input.RoleArn).endsWith('/VeeamOrgSyncAccess'))).toBe(true);
  });
});
