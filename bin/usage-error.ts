export const CLI_NAME = 'veeam-org-sync';

/** What a usage error names of its command (a CommandSpec); structural, so this file depends on nothing. */
export interface UsageOf {
  name: string;
  usage: string;
}

/** Bad usage: exit code 2, one line naming the flag and the command's usage. */
export class UsageError extends Error {
  readonly code = 'Usage';
  constructor(
    message: string,
    readonly command?: UsageOf,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one line after a usage error: the command's usage, or the CLI's. */
export function usageHint(spec?: UsageOf): string {
  return spec
    ? `usage: ${CLI_NAME} ${spec.usage} (${CLI_NAME} ${spec.name} --help)`
    : `usage: ${CLI_NAME} <command> [options] (${CLI_NAME} --help)`;
}
