import { ConfigError, describeError, InvalidInputError } from '../lib/errors';
import { UsageError, usageHint } from './usage-error';
import { explainCause } from './causes';

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

/**
 * An account's report carries its error as code and message only; when its cause is the operator's environment (no
 * region, no credentials, a host that does not resolve) say so and name the fix, as for any other error.
 */
export function explainAwsError(
  error: { code: string; message: string },
  env: Record<string, string | undefined> = process.env,
): Failure | undefined {
  return explainCause(Object.assign(new Error(error.message), { name: error.code }), { env });
}

/**
 * Every error the CLI can meet, as an exit code and one message: 2 for what the operator must fix, else 1. What
 * went wrong underneath (no region, no credentials, a host that does not resolve, an untrusted certificate) is named
 * with its fix by explainCause; `regionFlag` is --region when given.
 */
export function toFailure(
  err: unknown,
  env: Record<string, string | undefined> = process.env,
  regionFlag?: string,
): Failure {
  if (err instanceof UsageError)
    return { exitCode: 2, code: err.code, message: `${err.message}; ${usageHint(err.command)}` };
  if (err instanceof OperatorInputError) return { exitCode: 2, code: err.code, message: err.message };
  const cause = explainCause(err, { env, ...(regionFlag ? { regionFlag } : {}) });
  if (cause) return cause;
  const d = describeError(err);
  const operatorMustFix =
    err instanceof ConfigError ||
    err instanceof InvalidInputError ||
    (err as { operatorMustFix?: boolean } | null)?.operatorMustFix === true;
  // CLI errors carry a code of their own (WaitTimeout, a remote function's error type); the class name says less.
  const own = (err as { code?: unknown } | null)?.code;
  return { exitCode: operatorMustFix ? 2 : 1, code: typeof own === 'string' ? own : d.code, message: d.message };
}
