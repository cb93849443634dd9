import { STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { MemberAccessError } from '../../lib/member/errors';
import { StsMemberAccess, type MemberAccessOptions } from '../../lib/member/member-access';
import { blueprints } from '../../lib/roles/blueprints';
import { installIamStsFake, type IamStsFake } from '../../sim/aws/iam-sts';

const MGMT = '111111111111';
const MEMBER = '444455556666';
const APPLIANCE = 'arn:aws:iam::999988887777:role/VeeamImpersonation';
const [BACKUP] = blueprints({ backupRoleName: 'VeeamBackupRole', workerRoleName: 'VeeamWorkerRole' });
const TRUST = { principalArn: APPLIANCE, externalIds: ['X'.repeat(40)], stateTags: {} };

let fake: IamStsFake;
let clock: number;
let slept: number[];
const own = { accessKeyId: `FAKE${MGMT}SVC`, secretAccessKey: 'x' };

function access(over: Partial<MemberAccessOptions> = {}) {
  return new StsMemberAccess({
    config: {
      installationId: 'veeam-org-sync',
      memberAccess: 'existing',
      accessRoleName: 'VeeamOrgSyncAccess',
      memberRoleNames: ['OrganizationAccountAccessRole', 'AWSControlTowerExecution'],
      region: 'us-east-1',
      veeamPrincipalArn: APPLIANCE,
    },
    sts: new STSClient({ region: 'us-east-1', credentials: own }),
    now: () => clock,
    random: () => 1,
    sleep: (ms) => {
      slept.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    ...over,
  });
}

const assumedRoleArns = () => fake.callsOf('AssumeRole').map((c) => c.input.RoleArn);

beforeEach(() => {
  fake = installIamStsFake({ managementAccountId: MGMT, now: () => clock });
  clock = Date.parse('2026-11-22T12:00:00Z');
  slept = [];
});
afterEach(() => fake.restore());

describe('getting into a member account', () => {
  it('assumes the first configured role and works on IAM in that account', async () => {
    fake.addAccount(MEMBER);
    const roles = await access().roles(MEMBER);
    expect(roles.accountId).toBe(MEMBER);
    await roles.ensure(BACKUP!, TRUST, await roles.read(BACKUP!), { dryRun: false });
    expect(fake.role(MEMBER, 'VeeamBackupRole')).toBeDefined();
    expect(fake.role(MGMT, 'VeeamBackupRole')).toBeUndefined();
    const call = fake.callsOf('AssumeRole')[0]!;
    expect(call.input).toMatchObject({
      RoleArn: `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
      DurationSeconds: 3600,
    });
    expect(call.input.RoleSessionName).toMatch(/^veeam-org-sync-[\w+=,.@-]+$/);
  });

  it('tries role names in the configured order (Control Tower accounts)', async () => {
    fake.addAccount(MEMBER, { memberRoles: ['AWSControlTowerExecution'] });
    await access().roles(MEMBER);
    expect(assumedRoleArns()).toEqual([
      `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
      `arn:aws:iam::${MEMBER}:role/AWSControlTowerExecution`,
    ]);
  });

  it('uses the partition of its own identity', async () => {
    fake.restore();
    fake = installIamStsFake({ managementAccountId: MGMT, partition: 'aws-us-gov', now: () => clock });
    fake.addAccount(MEMBER);
    await access().roles(MEMBER);
    expect(assumedRoleArns()).toEqual([`arn:aws-us-gov:iam::${MEMBER}:role/OrganizationAccountAccessRole`]);
  });

  it('enters the management account through a member role too, never with its own credentials', async () => {
    fake.addAccount(MGMT);
    fake.addAccount(MEMBER);
    const a = access();
    const roles = await a.roles(MGMT);
    await roles.ensure(BACKUP!, TRUST, await roles.read(BACKUP!), { dryRun: false });
    expect(assumedRoleArns()).toEqual([`arn:aws:iam::${MGMT}:role/OrganizationAccountAccessRole`]);
    expect(fake.role(MGMT, 'VeeamBackupRole')).toBeDefined();
    await a.roles(MEMBER);
    expect(fake.callsOf('GetCallerIdentity')).toHaveLength(1);
  });

  it('passes other STS errors through at once (no AccessDenied backoff)', async () => {
    fake.addAccount(MEMBER);
    fake.failNext(
      'AssumeRole',
      new STSServiceException({
        name: 'RegionDisabledException',
        $fault: 'client',
        message: 'STS is not activated in this region',
        $metadata: {},
      }),
    );
    await expect(access().roles(MEMBER)).rejects.toThrow('STS is not activated');
    expect(slept).toEqual([]);
  });
});

describe('credential cache', () => {
  it('reuses credentials for the same account and renews them before the chained session expires', async () => {
    fake.addAccount(MEMBER);
    const a = access();
    const first = await a.roles(MEMBER);
    expect(await a.roles(MEMBER)).toBe(first);
    clock += 49 * 60_000;
    await a.roles(MEMBER);
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);
    clock += 2 * 60_000; // 51 minutes: past the reuse window, still inside the 1 h session
    const renewed = await a.roles(MEMBER);
    expect(fake.callsOf('AssumeRole')).toHaveLength(2);
    expect(renewed).not.toBe(first);
    await renewed.read(BACKUP!); // the renewed key is valid
  });

  it('shares one AssumeRole between concurrent callers', async () => {
    fake.addAccount(MEMBER);
    const a = access();
    await Promise.all([a.roles(MEMBER), a.roles(MEMBER), a.roles(MEMBER)]);
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);
  });
});

describe('a brand-new account that still denies AssumeRole', () => {
  it('is retried with backoff within the budget and succeeds once it accepts', async () => {
    fake.addAccount(MEMBER, { notReadyAttempts: 4 }); // two rounds of two role names
    const roles = await access().roles(MEMBER);
    expect(roles.accountId).toBe(MEMBER);
    expect(slept).toEqual([1000, 2000]);
  });

  it('waits at most 8 s between rounds (capped backoff), however long the budget', async () => {
    fake.addAccount(MEMBER, { notReadyAttempts: 1000 });
    await access({ accessDeniedBudgetMs: 60_000 })
      .roles(MEMBER)
      .catch(() => undefined);
    expect(slept.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(Math.max(...slept)).toBe(8000);
  });

  it('is handed back to the queue (retryable) after ~20 s, and works on a later attempt', async () => {
    fake.addAccount(MEMBER, { notReadyAttempts: 1000 });
    const a = access();
    const err = await a.roles(MEMBER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemberAccessError);
    expect((err as MemberAccessError).retryable).toBe(true);
    expect(slept.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(20_000);
    expect(slept.length).toBeGreaterThan(1);
    fake.account(MEMBER).notReadyAttempts = 0;
    await expect(a.roles(MEMBER)).resolves.toMatchObject({ accountId: MEMBER });
  });
});

describe('an account without any usable role', () => {
  it('explains which role names were tried and how to fix it, and stays retryable', async () => {
    fake.addAccount(MEMBER, { memberRoles: [] });
    const err = (await access()
      .roles(MEMBER)
      .catch((e: unknown) => e)) as MemberAccessError;
    expect(err).toBeInstanceOf(MemberAccessError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(MEMBER);
    expect(err.message).toContain('OrganizationAccountAccessRole, AWSControlTowerExecution');
    expect(err.message).toMatch(/create OrganizationAccountAccessRole/);
    expect(err.message).toMatch(/MEMBER_ROLE_NAMES/);
  });
});
