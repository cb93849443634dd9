import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli, type CliIo } from '../../bin/cli';
import { toFailure } from '../../bin/failure';
import { explainAccounts } from '../../bin/commands/results';
import { RetryableError } from '../../lib/errors';
import { SecretError } from '../../lib/secrets/errors';

/** The shape Node's resolver gives the SDK (seen from SecretsManagerClient with no DNS): a plain Error with a code. */
function dnsError(host: string, code: 'ENOTFOUND' | 'EAI_AGAIN' = 'ENOTFOUND'): Error {
  return Object.assign(new Error(`getaddrinfo ${code} ${host}`), {
    code,
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname: host,
    $metadata: { attempts: 5 },
  });
}

const secretFailed = (cause: unknown) =>
  new SecretError(
    'Reading the Veeam credentials secret VEEAM_SECRET_ID=veeam/admin with Secrets Manager failed (ENOTFOUND).',
    true,
    { cause },
  );

describe('errors name the real cause and the fix', () => {
  it('DNS: the Secrets Manager endpoint names the host, the region setting and the network, not "(Error)"', () => {
    const f = toFailure(secretFailed(dnsError('secretsmanager.eu-west-1.amazonaws.com')), { AWS_REGION: 'eu-west-1' });
    expect(f.code).toBe('DnsLookupFailed');
    expect(f.exitCode).toBe(1);
    expect(f.message).toMatch(/^The host secretsmanager\.eu-west-1\.amazonaws\.com cannot be resolved \(ENOTFOUND\)/);
    expect(f.message).toMatch(/while: Reading the Veeam credentials secret VEEAM_SECRET_ID=veeam\/admin/);
    expect(f.message).toMatch(/secretsmanager endpoint of region eu-west-1: check AWS_REGION=eu-west-1/);
    expect(f.message).toMatch(/and this machine.s DNS and network route to it \(VPN, proxy: HTTPS_PROXY\)/);
    expect(f.message).not.toMatch(/\(Error\)/);
  });

  it('DNS: a region that is not a region name is a setting to fix (exit 2); --region is named in remote mode', () => {
    const f = toFailure(dnsError('cloudformation.euwest1.amazonaws.com'), {}, 'euwest1');
    expect(f).toMatchObject({ exitCode: 2, code: 'DnsLookupFailed' });
    expect(f.message).toMatch(/"euwest1" is not a region name; e\.g\. eu-west-1\): check --region euwest1/);
  });

  it('DNS: a client whose region is fixed (Organizations: us-east-1) does not blame the region setting', () => {
    const f = toFailure(dnsError('organizations.us-east-1.amazonaws.com'), { AWS_REGION: 'eu-west-1' });
    expect(f.message).toMatch(
      /organizations endpoint of region us-east-1: this client's region is fixed whatever AWS_REGION=eu-west-1 says: check this machine's DNS/,
    );
  });

  it('DNS: a temporary failure says no DNS server answered', () => {
    const f = toFailure(dnsError('sts.us-east-1.amazonaws.com', 'EAI_AGAIN'), { AWS_PROFILE: 'ops' });
    expect(f.message).toMatch(/DNS lookup of sts\.us-east-1\.amazonaws\.com failed temporarily \(EAI_AGAIN\)/);
    expect(f.message).toMatch(/the region of profile ops/);
  });

  it('DNS: the appliance host names VEEAM_URL', () => {
    const env = { VEEAM_URL: 'https://veeam.corp.example:11005' };
    const err = new RetryableError('The Veeam appliance at veeam.corp.example:11005 is unreachable after 5 attempts', {
      code: 'VeeamUnreachable',
      cause: dnsError('veeam.corp.example'),
    });
    const f = toFailure(err, env);
    expect(f.message).toMatch(
      /veeam\.corp\.example cannot be resolved.*VEEAM_URL=https:\/\/veeam\.corp\.example:11005/,
    );
  });

  it('DNS: a host from an endpoint variable names that variable (the real SDK, a name that never resolves)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const endpoint = 'http://cloudformation.never-resolves.invalid';
    const io: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {
        AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'x',
      },
    };
    const saved = { ...process.env };
    Object.assign(process.env, io.env, { AWS_MAX_ATTEMPTS: '1' });
    try {
      const code = await runCli(['status', '--stack', 'prod', '--region', 'eu-west-1', '--json'], io);
      expect(code).toBe(2);
      const doc = JSON.parse(out[0]!) as { error: { code: string; message: string } };
      expect(doc.error.code).toBe('DnsLookupFailed');
      expect(doc.error.message).toContain(`It comes from AWS_ENDPOINT_URL_CLOUDFORMATION=${endpoint}`);
      expect(err.join('\n')).not.toMatch(/^Error: getaddrinfo/);
    } finally {
      process.env = saved;
    }
  }, 30_000);

  it('remote mode without a route to AWS: the CloudFormation endpoint, its region and --region, exit 1', async () => {
    const cfn = mockClient(CloudFormationClient);
    try {
      cfn.on(DescribeStacksCommand).rejects(dnsError('cloudformation.eu-west-1.amazonaws.com'));
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env: {} };
      expect(await runCli(['reconcile', '--dry-run', '--stack', 'prod', '--region', 'eu-west-1'], io)).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(
          /^DnsLookupFailed: The host cloudformation\.eu-west-1\.amazonaws\.com cannot be resolved \(ENOTFOUND\)\. It is the cloudformation endpoint of region eu-west-1: check --region eu-west-1/,
        ),
      ]);
    } finally {
      cfn.restore();
    }
  });

  it('TLS: a certificate the system CAs refuse on the way to AWS names AWS_CA_BUNDLE', () => {
    const err = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const f = toFailure(err, {});
    expect(f).toMatchObject({ exitCode: 2, code: 'TlsUntrusted' });
    expect(f.message).toMatch(/AWS_CA_BUNDLE/);
  });

  it('credentials: an expired SSO session names the profile and the login command', () => {
    const err = Object.assign(
      new Error(
        'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.',
      ),
      { name: 'CredentialsProviderError' },
    );
    const f = toFailure(err, { AWS_PROFILE: 'ops' });
    expect(f).toMatchObject({ exitCode: 2, code: 'AwsCredentialsExpired' });
    expect(f.message).toMatch(/AWS_PROFILE=ops have expired.*aws sso login --profile ops/);
  });

  it('credentials: an expired session token, and keys AWS does not know', () => {
    const expired = toFailure(
      Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }),
      {},
    );
    expect(expired.code).toBe('AwsCredentialsExpired');
    const refused = toFailure(
      Object.assign(new Error('The security token included in the request is invalid.'), {
        name: 'InvalidClientTokenId',
      }),
      { AWS_ACCESS_KEY_ID: 'AKID' },
    );
    expect(refused).toMatchObject({ exitCode: 2, code: 'AwsCredentialsInvalid' });
    expect(refused.message).toMatch(/AWS_ACCESS_KEY_ID/);
  });

  it('region: a malformed region is named with the setting it came from', () => {
    const err = secretFailed(new Error('Region not accepted: region="eu west 1" is not a valid hostname component.'));
    const f = toFailure(err, { AWS_REGION: 'eu west 1' });
    expect(f).toMatchObject({ exitCode: 2, code: 'AwsRegionInvalid' });
    expect(f.message).toMatch(/region "eu west 1" is not a region name .*check AWS_REGION=eu west 1/);
  });

  it('an account that failed on DNS is explained in the report and fails the run with 1, not 2', () => {
    const { reports, exitCode } = explainAccounts([
      {
        accountId: '444455556666',
        inScope: true,
        scopeReason: 'in scope',
        action: 'error',
        roles: [],
        dryRun: false,
        error: { code: 'Error', message: 'getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com', retryable: true },
      },
    ]);
    expect(exitCode).toBe(1);
    expect(reports[0]!.error).toMatchObject({
      code: 'DnsLookupFailed',
      message: expect.stringMatching(/sts endpoint of region us-east-1/),
    });
  });
});
