import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { installIamStsFake, type IamStsFake } from '../../sim/aws/iam-sts';

/** The conventions other fakes and the sandbox rely on. */
let fake: IamStsFake;
beforeEach(() => {
  fake = installIamStsFake({ managementAccountId: '111111111111' });
  fake.addAccount('444455556666');
});
afterEach(() => fake.restore());

const sts = (accessKeyId: string) =>
  new STSClient({ region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' } });

it('answers GetCallerIdentity from the caller’s access key and issues FAKE<account> keys on AssumeRole', async () => {
  expect((await sts('FAKE111111111111SVC').send(new GetCallerIdentityCommand({}))).Account).toBe('111111111111');
  const res = await sts('FAKE111111111111SVC').send(
    new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::444455556666:role/OrganizationAccountAccessRole',
      RoleSessionName: 's',
    }),
  );
  const key = res.Credentials!.AccessKeyId!;
  expect(key).toMatch(/^FAKE444455556666/);
  const me = await sts(key).send(new GetCallerIdentityCommand({}));
  expect(me).toMatchObject({
    Account: '444455556666',
    Arn: 'arn:aws:sts::444455556666:assumed-role/OrganizationAccountAccessRole/s',
  });
});

it('rejects a chained session longer than 1 h, as STS does', async () => {
  await expect(
    sts('FAKE111111111111SVC').send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::444455556666:role/OrganizationAccountAccessRole',
        RoleSessionName: 's',
        DurationSeconds: 7200,
      }),
    ),
  ).rejects.toThrow(/1 hour/);
});

it('denies AssumeRole from outside the trusted account', async () => {
  await expect(
    sts('FAKE222222222222X').send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::444455556666:role/OrganizationAccountAccessRole',
        RoleSessionName: 's',
      }),
    ),
  ).rejects.toMatchObject({
    name: 'AccessDenied',
  });
});

it('returns trust documents URL-encoded, like IAM', async () => {
  const iam = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'FAKE444455556666Y', secretAccessKey: 'x' },
  });
  const res = await iam.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
  expect(res.Role?.AssumeRolePolicyDocument).toMatch(/^%7B/);
  expect(fake.callsOf('GetRole', '444455556666')).toHaveLength(1);
  expect(fake.writes()).toHaveLength(0);
});
