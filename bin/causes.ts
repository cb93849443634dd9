/**
 * The one mapping from what went wrong underneath (the SDK's, Node's or the resolver's words, often wrapped in one of
 * ours: "reading the secret failed (Error)") to the cause an operator can act on and the setting that fixes it.
 * toFailure (every command's error), explainAwsError (an account's error in a report) and doctor (each check) use it.
 */

export type Env = Record<string, string | undefined>;

export interface Cause {
  /** 2: the operator's environment or settings must change; 1: the work failed and may succeed later. */
  exitCode: 1 | 2;
  code: string;
  message: string;
}

export interface CauseContext {
  env: Env;
  /** With --stack the region comes from --region first. */
  regionFlag?: string;
}

interface Failed {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  cause?: unknown;
}

function chain(err: unknown): Failed[] {
  const out: Failed[] = [];
  for (let e: unknown = err, i = 0; e && i < 8; i++, e = (e as Failed).cause)
    out.push(typeof e === 'object' ? e : { message: typeof e === 'string' ? e : JSON.stringify(e) });
  return out;
}

const messageOf = (e: Failed): string => (typeof e.message === 'string' ? e.message : '');

/** A region name as AWS spells them (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5). */
export const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

const DNS_CODES = /^(ENOTFOUND|EAI_AGAIN)$/;
const TLS_UNTRUSTED =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** The SDK's endpoint variable for a service id as it appears in the host name (secretsmanager -> SECRETS_MANAGER). */
const ENDPOINT_VARIABLES: Record<string, string> = {
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  organizations: 'AWS_ENDPOINT_URL_ORGANIZATIONS',
  cloudformation: 'AWS_ENDPOINT_URL_CLOUDFORMATION',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  sts: 'AWS_ENDPOINT_URL_STS',
  iam: 'AWS_ENDPOINT_URL_IAM',
  events: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
};

function regionSetting(ctx: CauseContext): string {
  if (ctx.regionFlag) return `--region ${ctx.regionFlag}`;
  const r = ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
  if (ctx.env.AWS_REGION) return `AWS_REGION=${r}`;
  if (ctx.env.AWS_DEFAULT_REGION) return `AWS_DEFAULT_REGION=${r}`;
  return `the region of ${ctx.env.AWS_PROFILE ? `profile ${ctx.env.AWS_PROFILE}` : 'your default profile'}`;
}

function hostOf(e: Failed): string | undefined {
  if (typeof e.hostname === 'string' && e.hostname) return e.hostname;
  return /getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (\S+)/.exec(messageOf(e))?.[1];
}

function veeamHost(env: Env): string | undefined {
  try {
    return env.VEEAM_URL ? new URL(env.VEEAM_URL).hostname.replace(/^\[|\]$/g, '') : undefined;
  } catch {
    return undefined;
  }
}

function dnsCause(all: Failed[], ctx: CauseContext, during: string): Cause | undefined {
  const failed = all.find(
    (e) => DNS_CODES.test(e.code ?? '') || /getaddrinfo (ENOTFOUND|EAI_AGAIN)/.test(messageOf(e)),
  );
  if (!failed) return undefined;
  const code = failed.code ?? /getaddrinfo (\S+)/.exec(messageOf(failed))?.[1] ?? 'ENOTFOUND';
  const host = hostOf(failed) ?? 'the host';
  const what =
    code === 'EAI_AGAIN'
      ? `The DNS lookup of ${host} failed temporarily (EAI_AGAIN)${during}: no DNS server answered`
      : `The host ${host} cannot be resolved (ENOTFOUND)${during}`;
  const network = "this machine's DNS and network route to it (VPN, proxy: HTTPS_PROXY)";
  const aws = /^([a-z0-9-]+)(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (aws) {
    const [, service, region] = aws as unknown as [string, string, string];
    const variable = ENDPOINT_VARIABLES[service];
    const endpoint = variable && ctx.env[variable] ? `${variable}=${ctx.env[variable]}, ` : '';
    const shape = REGION_SHAPE.test(region) ? '' : ` ("${region}" is not a region name; e.g. eu-west-1)`;
    // Some clients pin their region (Organizations: us-east-1): then the region setting is not what to check.
    const configured = ctx.regionFlag ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
    const check =
      configured && configured !== region && !endpoint
        ? `this client's region is fixed whatever ${regionSetting(ctx)} says: check ${network}`
        : `check ${endpoint}${regionSetting(ctx)} (the region must exist and offer ${service}) and ${network}`;
    return {
      exitCode: shape ? 2 : 1,
      code: 'DnsLookupFailed',
      message: `${what}. It is the ${service} endpoint of region ${region}${shape}: ${check}.`,
    };
  }
  if (host === veeamHost(ctx.env))
    return {
      exitCode: 1,
      code: 'DnsLookupFailed',
      message: `${what}. It is the Veeam appliance named by VEEAM_URL=${ctx.env.VEEAM_URL}: check the name (or use the appliance's IP address) and ${network}.`,
    };
  const endpoint = Object.values(ENDPOINT_VARIABLES)
    .concat('AWS_ENDPOINT_URL')
    .find((v) => ctx.env[v]?.includes(host));
  return {
    exitCode: endpoint ? 2 : 1,
    code: 'DnsLookupFailed',
    message: `${what}. ${endpoint ? `It comes from ${endpoint}=${ctx.env[endpoint]}: correct or unset it; else check` : 'Check the name and'} ${network}.`,
  };
}

function tlsCause(all: Failed[], during: string): Cause | undefined {
  // The appliance's own TLS errors (VeeamTlsError) already name VEEAM_CERT_SHA256 and the presented fingerprint.
  if (all.some((e) => e.name === 'VeeamTlsError')) return undefined;
  const failed = all.find((e) => TLS_UNTRUSTED.test(e.code ?? ''));
  if (!failed) return undefined;
  return {
    exitCode: 2,
    code: 'TlsUntrusted',
    message:
      `TLS verification failed (${failed.code}: ${messageOf(failed)})${during}. Between this machine and AWS something ` +
      `presents a certificate the system CAs do not trust, usually a TLS-inspecting proxy: point AWS_CA_BUNDLE (or ` +
      `NODE_EXTRA_CA_CERTS) at the proxy's CA certificate (PEM), or bypass the proxy for AWS endpoints (NO_PROXY).`,
  };
}

function regionCause(all: Failed[], ctx: CauseContext, during: string): Cause | undefined {
  if (all.some((e) => /region is missing/i.test(messageOf(e))))
    return {
      exitCode: 2,
      code: 'AwsRegionMissing',
      message: `No AWS region is set${during}: set AWS_REGION (e.g. export AWS_REGION=us-east-1), or a region in your AWS profile; with --stack, --region.`,
    };
  const invalid = all.find((e) => /Region not accepted|Invalid region in client config/i.test(messageOf(e)));
  if (invalid) {
    const region = /region="([^"]*)"/.exec(messageOf(invalid))?.[1];
    return {
      exitCode: 2,
      code: 'AwsRegionInvalid',
      message: `The AWS region${region !== undefined ? ` "${region}"` : ''} is not a region name${during}: check ${regionSetting(ctx)}; regions look like us-east-1 or eu-west-1.`,
    };
  }
  return undefined;
}

function credentialsCause(all: Failed[], ctx: CauseContext, during: string): Cause | undefined {
  const profile = ctx.env.AWS_PROFILE
    ? `AWS_PROFILE=${ctx.env.AWS_PROFILE}`
    : 'the default profile (AWS_PROFILE unset)';
  const provider = all.find(
    (e) => e.name === 'CredentialsProviderError' || /could not load credentials from any providers/i.test(messageOf(e)),
  );
  const expired = all.find(
    (e) =>
      /^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired)$/.test(e.name ?? '') ||
      (e === provider && /expired|sso session/i.test(messageOf(e))),
  );
  if (expired)
    return {
      exitCode: 2,
      code: 'AwsCredentialsExpired',
      message: `The AWS credentials of ${profile} have expired${during}: refresh them (aws sso login${ctx.env.AWS_PROFILE ? ` --profile ${ctx.env.AWS_PROFILE}` : ''}, or new session keys) and run again.`,
    };
  if (provider)
    return {
      exitCode: 2,
      code: 'AwsCredentialsMissing',
      message:
        `No AWS credentials found${during}. The SDK's default chain was tried: environment variables ` +
        `(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), ${profile} in ~/.aws/credentials and ~/.aws/config (SSO, ` +
        `credential_process, role_arn), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), then container and EC2 instance ` +
        `metadata. Fix: export AWS_PROFILE=<profile> and run "aws sso login", or export the access key variables.`,
    };
  const refused = all.find((e) =>
    /^(InvalidClientTokenId|UnrecognizedClientException|InvalidSignatureException|SignatureDoesNotMatch)$/.test(
      e.name ?? '',
    ),
  );
  if (refused)
    return {
      exitCode: 2,
      code: 'AwsCredentialsInvalid',
      message: `AWS refused the credentials (${refused.name})${during}: the access key of ${ctx.env.AWS_ACCESS_KEY_ID ? 'AWS_ACCESS_KEY_ID' : profile} does not exist or its secret is wrong; check AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN variables.`,
    };
  return undefined;
}

/** The cause and its fix, or undefined when the error says enough by itself. */
export function explainCause(err: unknown, ctx: CauseContext): Cause | undefined {
  const all = chain(err);
  if (!all.length) return undefined;
  const outer = messageOf(all[0]!)
    .split('\n')[0]!
    .replace(/\s*\((Error|ENOTFOUND|EAI_AGAIN)\)\.?$/, '');
  const during = all.length > 1 ? ` (while: ${outer})` : '';
  return (
    regionCause(all, ctx, during) ??
    credentialsCause(all, ctx, during) ??
    dnsCause(all, ctx, during) ??
    tlsCause(all, during)
  );
}
