import { ConfigError, describeError, InvalidInputError } from '../lib/errors';
import { UsageError, usageHint } from './usage-error';

/** A problem with something the operator named (a file, a stack): exit 2 like any other bad input. */
export class OperatorInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OperatorInputError';
  }
}

export interface Failure {
  exitCode: 1 | 2;
  code: string;
  message: string;
}

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, i = 0; e && i < 6; i++, e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

const nameOf = (e: unknown): string => (e as { name?: string } | null)?.name ?? '';
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The SDK's own words for a missing region or missing credentials are easy to lose inside a wrapping error
 * ("reading the secret failed (Error)"): name the cause and the fix instead.
 */
function awsCause(err: unknown, env: Record<string, string | undefined>): Failure | undefined {
  const all = chain(err);
  const outer = messageOf(err)
    .split('\n')[0]!
    .replace(/\s*\(Error\)\.?$/, '');
  const during = all.length > 1 ? ` (while: ${outer})` : '';
  if (all.some((e) => /region is missing/i.test(messageOf(e))))
    return {
      exitCode: 2,
      code: 'AwsRegionMissing',
      message: `No AWS region is set${during}: set AWS_REGION (e.g. export AWS_REGION=us-east-1), or a region in your AWS profile; with --stack, --region.`,
    };
  const creds = all.find(
    (e) =>
      nameOf(e) === 'CredentialsProviderError' || /could not load credentials from any providers/i.test(messageOf(e)),
  );
  if (creds) {
    const profile = env.AWS_PROFILE ? `AWS_PROFILE=${env.AWS_PROFILE}` : 'the default profile (AWS_PROFILE unset)';
    return {
      exitCode: 2,
      code: 'AwsCredentialsMissing',
      message:
        `No AWS credentials found${during}. The SDK's default chain was tried: environment variables ` +
        `(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), ${profile} in ~/.aws/credentials and ~/.aws/config (SSO, ` +
        `credential_process, role_arn), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), then container and EC2 instance ` +
        `metadata. Fix: export AWS_PROFILE=<profile> and run "aws sso login", or export the access key variables.`,
    };
  }
  const expired = all.find((e) => /^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired)$/.test(nameOf(e)));
  if (expired)
    return {
      exitCode: 2,
      code: 'AwsCredentialsExpired',
      message: `The AWS credentials have expired${during}: refresh them (e.g. aws sso login) and run again.`,
    };
  return undefined;
}

/**
 * An account's report carries its error as code and message only; when that is the operator's AWS environment
 * (no region, no credentials) say so, as for any other error.
 */
export function explainAwsError(
  error: { code: string; message: string },
  env: Record<string, string | undefined> = process.env,
): Failure | undefined {
  return awsCause(Object.assign(new Error(error.message), { name: error.code }), env);
}

/** Every error the CLI can meet, as an exit code and one message: 2 for what the operator must fix, else 1. */
export function toFailure(err: unknown, env: Record<string, string | undefined> = process.env): Failure {
  if (err instanceof UsageError)
    return { exitCode: 2, code: err.code, message: `${err.message}; ${usageHint(err.command)}` };
  if (err instanceof OperatorInputError) return { exitCode: 2, code: err.code, message: err.message };
  const aws = awsCause(err, env);
  if (aws) return aws;
  const d = describeError(err);
  const operatorMustFix =
    err instanceof ConfigError ||
    err instanceof InvalidInputError ||
    (err as { operatorMustFix?: boolean } | null)?.operatorMustFix === true;
  // CLI errors carry a code of their own (WaitTimeout, a remote function's error type); the class name says less.
  const own = (err as { code?: unknown } | null)?.code;
  return { exitCode: operatorMustFix ? 2 : 1, code: typeof own === 'string' ? own : d.code, message: d.message };
}
