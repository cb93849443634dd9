import { GetLayerVersionByArnCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import {
  GetSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AccessDeniedException, AWSOrganizationsNotInUseException } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli, type CliIo } from '../../bin/cli';
import { awsFailure } from '../../bin/doctor/check';
import { STACKSETS_PRINCIPAL } from '../../bin/doctor/organization';
import { DEFAULT_SIM_USER } from '../../sim/veeam';
import { APPLIANCE_ROLE_ARN, MANAGEMENT_ACCOUNT, startWorld, type World } from '../../sim/world';
import { STSServiceException } from '@aws-sdk/client-sts';

const REGION = 'us-east-1';
const LAYER = `arn:aws:lambda:${REGION}:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:17`;
const OTHER_REGION_LAYER = 'arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:17';
const DELEGATED = '222222222222';

interface Check {
  id: string;
  title: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}
interface DoctorDoc {
  schemaVersion: number;
  command: string;
  exitCode: number;
  account?: string;
  region?: string;
  summary: { passed: number; failed: number; skipped: number };
  checks: Check[];
}

const secrets = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);
let world: World;

beforeAll(async () => {
  world = await startWorld();
  world.iam.addRole(MANAGEMENT_ACCOUNT, 'VeeamApplianceImpersonation');
});
afterAll(() => world.stop());

beforeEach(() => {
  world.org.managementAccountId = MANAGEMENT_ACCOUNT;
  world.org.serviceAccess.clear();
  world.org.serviceAccess.add(STACKSETS_PRINCIPAL);
  world.org.delegatedAdministrators.clear();
  world.org.rootPolicyTypes.clear();
  world.org.rootPolicyTypes.set('SERVICE_CONTROL_POLICY', 'ENABLED');
  world.org.rootPolicyTypes.set('RESOURCE_CONTROL_POLICY', 'ENABLED');
  world.org.resourcePolicy = undefined;
  secrets.reset();
  // Only the configured secret exists (specific input matchers are set after the catch-all).
  secrets.on(GetSecretValueCommand).rejects(new SecretNotFound({ message: 'not found', $metadata: {} }));
  secrets
    .on(GetSecretValueCommand, { SecretId: world.env.VEEAM_SECRET_ID })
    .resolves({ SecretString: JSON.stringify(DEFAULT_SIM_USER) });
  lambda.reset();
  lambda.on(GetLayerVersionByArnCommand).callsFake((input: { Arn?: string }) => {
    if (input.Arn !== LAYER) throw new ResourceNotFoundException({ message: 'Layer version not found', $metadata: {} });
    return { LayerVersionArn: LAYER, Version: 17, CompatibleArchitectures: ['x86_64'] };
  });
});

async function doctor(overrides: Record<string, string | undefined> = {}, argv: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const env: Record<string, string | undefined> = {
    ...process.env,
    SECRETS_EXTENSION_LAYER_ARN: LAYER,
    ...overrides,
  };
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env };
  const exitCode = await runCli(['doctor', ...argv], io);
  return { exitCode, out, err, text: out.join('\n') };
}

async function doctorJson(overrides: Record<string, string | undefined> = {}) {
  const r = await doctor(overrides, ['--json']);
  expect(r.out).toHaveLength(1);
  const doc = JSON.parse(r.out[0]!) as DoctorDoc;
  const check = (id: string) => doc.checks.find((c) => c.id === id)!;
  return { ...r, doc, check };
}

const failed = (doc: DoctorDoc) => doc.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describe('veeam-org-sync doctor', () => {
  it('all good in the management account: exit 0, a ✔ per check, the delegated-administrator check not needed', async () => {
    const r = await doctor();
    expect(r.exitCode).toBe(0);
    expect(r.text).toMatch(/^veeam-org-sync doctor: account 111111111111 \(the management account\), region us-east-1/);
    for (const title of [
      'Configuration',
      'AWS credentials',
      'StackSets trusted access',
      'RCP policy type on the root',
      'Organizations resource policy',
      'Secrets extension layer',
      'Veeam credentials secret',
      'Appliance reachable, certificate trusted',
      'Appliance REST API version',
      'Appliance login',
      'Appliance principal (VEEAM_PRINCIPAL_ARN)',
    ])
      expect(r.text).toMatch(new RegExp(`^✔ ${title.replace(/[()]/g, '\\$&')}\\s`, 'm'));
    expect(r.text).toMatch(/^- StackSets delegated administrator\s+not needed: this is the management account/m);
    expect(r.text).toMatch(/x-api-version 1\.9-rev0/);
    expect(r.text).toMatch(/presents the pinned certificate/);
    expect(r.text).toMatch(/12 passed, 0 failed, 1 skipped$/);
    expect(r.text).not.toMatch(/✖/);
  });

  it('--json: one document with the summary and every check (id, title, status, detail, fix on failures)', async () => {
    const { exitCode, doc } = await doctorJson();
    expect(exitCode).toBe(0);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      command: 'doctor',
      exitCode: 0,
      account: MANAGEMENT_ACCOUNT,
      region: REGION,
      summary: { passed: 12, failed: 0, skipped: 1 },
    });
    expect(doc.checks.map((c) => c.id)).toEqual([
      'configuration',
      'region',
      'credentials',
      'stacksets-trusted-access',
      'stacksets-delegated-admin',
      'rcp-enabled',
      'resource-policy',
      'extension-layer',
      'secret',
      'appliance-tls',
      'appliance-api-version',
      'appliance-login',
      'principal',
    ]);
    for (const c of doc.checks) expect(Object.keys(c).sort()).toEqual(['detail', 'id', 'status', 'title']);
  });

  it('StackSets trusted access off: exit 1, the command that activates it', async () => {
    world.org.serviceAccess.clear();
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['stacksets-trusted-access']);
    expect(check('stacksets-trusted-access').fix).toMatch(
      /in the management account 111111111111: aws cloudformation activate-organizations-access/,
    );
    const plain = await doctor();
    expect(plain.text).toMatch(/^✖ StackSets trusted access\s+not enabled/m);
    expect(plain.text).toMatch(/^\s+fix: in the management account .*activate-organizations-access/m);
  });

  it('from a delegated account not registered for StackSets: the register command with its account id; registered: ok', async () => {
    world.org.managementAccountId = DELEGATED;
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['stacksets-delegated-admin']);
    expect(check('stacksets-delegated-admin').fix).toContain(
      `aws organizations register-delegated-administrator --service-principal ${STACKSETS_PRINCIPAL} --account-id ${MANAGEMENT_ACCOUNT}`,
    );
    world.org.registerDelegatedAdministrator(MANAGEMENT_ACCOUNT, STACKSETS_PRINCIPAL);
    const again = await doctorJson();
    expect(again.exitCode).toBe(0);
    expect(again.check('stacksets-delegated-admin')).toMatchObject({ status: 'ok' });
  });

  it('a call the principal may not make: the permission and where it is allowed', async () => {
    world.org.failNext(
      1,
      () =>
        new AccessDeniedException({
          message: "You don't have permissions to access this resource.",
          $metadata: { httpStatusCode: 400 },
        }),
      'ListAWSServiceAccessForOrganization',
    );
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['stacksets-trusted-access']);
    expect(check('stacksets-trusted-access')).toMatchObject({
      detail: 'organizations:ListAWSServiceAccessForOrganization was refused (AccessDeniedException)',
      fix: expect.stringMatching(
        /allowed organizations:ListAWSServiceAccessForOrganization \(management account or a delegated administrator\)/,
      ),
    });
  });

  it('from a delegated account, what only the management account may read is skipped with where to check it, not failed', async () => {
    world.org.managementAccountId = DELEGATED;
    world.org.registerDelegatedAdministrator(MANAGEMENT_ACCOUNT, STACKSETS_PRINCIPAL);
    const denied = () =>
      new AccessDeniedException({ message: "You don't have permissions to access this resource.", $metadata: {} });
    world.org.failNext(1, denied, 'ListAWSServiceAccessForOrganization');
    world.org.failNext(1, denied, 'DescribeResourcePolicy');
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(0);
    expect(failed(doc)).toEqual([]);
    for (const id of ['stacksets-trusted-access', 'resource-policy'])
      expect(check(id)).toMatchObject({
        status: 'skip',
        detail: expect.stringMatching(/answered only in the management account 222222222222/),
        fix: expect.stringMatching(/run doctor there too/),
      });
    expect(check('stacksets-delegated-admin')).toMatchObject({ status: 'ok' });
  });

  it('an account outside any organization: the organization checks wait, the fix says where to run', async () => {
    world.org.failNext(
      1,
      () =>
        new AWSOrganizationsNotInUseException({
          message: 'Your account is not a member of an organization.',
          $metadata: {},
        }),
      'DescribeOrganization',
    );
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['organization']);
    expect(check('organization').fix).toMatch(/Account 111111111111 is not in an organization/);
    expect(check('rcp-enabled')).toMatchObject({ status: 'skip' });
  });

  it('RCP policy type not enabled on the root: the enable-policy-type command naming the root', async () => {
    world.org.rootPolicyTypes.delete('RESOURCE_CONTROL_POLICY');
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['rcp-enabled']);
    expect(check('rcp-enabled').fix).toMatch(
      /aws organizations enable-policy-type --root-id r-ab12 --policy-type RESOURCE_CONTROL_POLICY/,
    );
  });

  it('the Organizations resource policy: says whether one exists, so the operator knows whether the stack may create it', async () => {
    const none = await doctorJson();
    expect(none.check('resource-policy')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^none yet/) });
    world.org.resourcePolicy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const some = await doctorJson();
    expect(some.check('resource-policy')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^exists .*add the management stack's VeeamOrgSyncReadOrganization statement/),
    });
  });

  it('the extension layer: another region, an unknown version, not configured', async () => {
    const other = await doctorJson({ SECRETS_EXTENSION_LAYER_ARN: OTHER_REGION_LAYER });
    expect(other.exitCode).toBe(1);
    expect(other.check('extension-layer')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/the layer is in eu-west-1 but the stack deploys to us-east-1/),
      fix: expect.stringMatching(/secretsExtensionLayerArn .*ARN for us-east-1/),
    });
    const missing = await doctorJson({ SECRETS_EXTENSION_LAYER_ARN: LAYER.replace(/17$/, '99') });
    expect(missing.check('extension-layer')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/does not exist in us-east-1/),
    });
    const unset = await doctorJson({ SECRETS_EXTENSION_LAYER_ARN: undefined });
    expect(unset.exitCode).toBe(0);
    expect(unset.check('extension-layer')).toMatchObject({
      status: 'skip',
      fix: expect.stringMatching(/export SECRETS_EXTENSION_LAYER_ARN=/),
    });
  });

  it('a secret that does not exist: the fix names VEEAM_SECRET_ID and the region; the appliance checks wait for it', async () => {
    const { exitCode, doc, check } = await doctorJson({ VEEAM_SECRET_ID: 'veeam/typo' });
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['secret']);
    expect(check('secret').fix).toMatch(
      /VEEAM_SECRET_ID=veeam\/typo .*does not exist in this account\/region \(check VEEAM_SECRET_ID and AWS_REGION\)/,
    );
    expect(check('appliance-login')).toMatchObject({ status: 'skip' });
  });

  it('a pin that does not match the appliance: the TLS check fails with the presented fingerprint to verify', async () => {
    const { exitCode, doc, check } = await doctorJson({ VEEAM_CERT_SHA256: 'ab'.repeat(32) });
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['appliance-tls']);
    expect(check('appliance-tls').fix).toContain(`VEEAM_CERT_SHA256=${world.veeam.certSha256}`);
    expect(check('appliance-login')).toMatchObject({ status: 'skip' });
  });

  it('an appliance that is not listening: unreachable, with where to look', async () => {
    const { exitCode, check } = await doctorJson({ VEEAM_URL: 'https://127.0.0.1:1' });
    expect(exitCode).toBe(1);
    expect(check('appliance-tls')).toMatchObject({
      status: 'fail',
      detail: '127.0.0.1:1 is unreachable',
      fix: expect.stringMatching(/Check VEEAM_URL=https:\/\/127\.0\.0\.1:1 \(the REST port is 11005\)/),
    });
  });

  it('an API revision the appliance does not speak: the version check names VEEAM_API_VERSION', async () => {
    const { exitCode, doc, check } = await doctorJson({ VEEAM_API_VERSION: '1.5-rev0' });
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['appliance-api-version']);
    expect(check('appliance-api-version').fix).toMatch(/Set VEEAM_API_VERSION to a revision the appliance supports/);
  });

  it('a password the appliance refuses: the login check fails naming the secret and the user', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: world.env.VEEAM_SECRET_ID })
      .resolves({ SecretString: JSON.stringify({ username: DEFAULT_SIM_USER.username, password: 'wrong' }) });
    const { exitCode, doc, check } = await doctorJson();
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['appliance-login']);
    expect(check('appliance-login').fix).toMatch(
      /Veeam refused the login of user "svc-veeam-org-sync".*VEEAM_SECRET_ID/,
    );
    expect(check('appliance-api-version')).toMatchObject({ status: 'ok' });
  });

  it('a principal that does not exist in this account fails; one in another account is checked for shape only', async () => {
    const typo = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/VeeamApplianceImpersonaton`;
    const { exitCode, doc, check } = await doctorJson({ VEEAM_PRINCIPAL_ARN: typo });
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['principal']);
    expect(check('principal').fix).toMatch(/Set VEEAM_PRINCIPAL_ARN \(stack parameter veeamPrincipalArn\)/);
    const elsewhere = await doctorJson({ VEEAM_PRINCIPAL_ARN: 'arn:aws:iam::333333333333:role/Appliance' });
    expect(elsewhere.check('principal')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /in account 333333333333, not this one \(111111111111\): only its shape is checked/,
      ),
    });
    expect(APPLIANCE_ROLE_ARN).toBe(`arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/VeeamApplianceImpersonation`);
  });

  it('invalid configuration: every problem in one fix, and the checks that need it are skipped, not failed', async () => {
    const { exitCode, doc, check } = await doctorJson({ VEEAM_URL: undefined, VEEAM_PRINCIPAL_ARN: 'not-an-arn' });
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['configuration']);
    expect(check('configuration').fix).toMatch(
      /VEEAM_URL is required .*VEEAM_PRINCIPAL_ARN "not-an-arn" is not an IAM role ARN/,
    );
    for (const id of ['secret', 'appliance-tls', 'appliance-login', 'principal'])
      expect(check(id)).toMatchObject({ status: 'skip' });
  });

  it('expired credentials: the credentials check says how to refresh them; the organization checks wait', async () => {
    world.iam.failNext(
      'GetCallerIdentity',
      () =>
        new STSServiceException({
          name: 'ExpiredToken',
          $fault: 'client',
          message: 'The security token included in the request is expired',
          $metadata: { httpStatusCode: 403 },
        }),
    );
    const { exitCode, doc, check } = await doctorJson({ AWS_PROFILE: 'mgmt' });
    expect(exitCode).toBe(1);
    expect(failed(doc)).toEqual(['credentials']);
    expect(check('credentials').fix).toMatch(/AWS_PROFILE=mgmt have expired.*aws sso login --profile mgmt/);
    expect(check('stacksets-trusted-access')).toMatchObject({ status: 'skip' });
  });

  it('usage: arguments and --stack are exit 2 with the usage line', async () => {
    const extra = await doctor({}, ['now']);
    expect(extra.exitCode).toBe(2);
    expect(extra.err.join('\n')).toMatch(
      /doctor takes no arguments \(got "now"\); usage: veeam-org-sync doctor \[--json\]/,
    );
    const stack = await doctor({}, ['--stack', 'prod']);
    expect(stack.exitCode).toBe(2);
    expect(stack.err.join('\n')).toMatch(/doctor runs in-process only; --stack does not apply/);
    const help = await doctor({}, ['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.text).toMatch(/^Usage: veeam-org-sync doctor \[--json\]/);
  });
});

describe('a doctor check whose AWS call failed', () => {
  it('a call cut off by its time bound says so and where to look, instead of "Request aborted"', () => {
    const aborted = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(awsFailure('credentials', 'AWS credentials', aborted, {}, { action: 'sts:GetCallerIdentity' })).toEqual({
      id: 'credentials',
      title: 'AWS credentials',
      status: 'fail',
      detail: 'sts:GetCallerIdentity gave no answer in time',
      fix: expect.stringMatching(/network route to AWS \(VPN, proxy: HTTPS_PROXY/),
    });
  });
});
