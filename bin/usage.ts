import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands/specs';
import { CLI_NAME as NAME } from './usage-error';

export { usageHint } from './usage-error';

export const EXIT_CODES = `Exit codes:
  0  done: every account converged (or the command succeeded)
  1  the work failed: an account failed or is in conflict, an AWS or appliance call failed, a --wait timed out
  2  bad usage or configuration: fix the command line or the environment variable named
  3  offboarding held: the offboarding budget (OFFBOARD_MAX_PER_RUN per 24 hours, on every path) or a missing
     state table kept an account that left scope protected; confirm with reconcile [--account ID] --allow-offboard N`;

function optionLines(options: OptionSpec[]): string[] {
  const left = options.map((o) => `--${o.name}${o.value ? ` ${o.value}` : ''}${o.multiple ? ' ...' : ''}`);
  const width = Math.max(...left.map((l) => l.length));
  return options.map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.help}`);
}

export function globalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Usage: ${NAME} <command> [options]`,
    '',
    'Keeps every account of the organization protected by Veeam Backup for AWS. In-process commands read the same',
    'environment variables as the Lambdas (docs/deploy.md); with --stack NAME they act through the deployed service.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    EXIT_CODES,
    '',
    `Run "${NAME} <command> --help" for a command's options and examples.`,
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const globals = GLOBAL_OPTIONS.filter(
    (o) => o.name !== 'version' && (spec.stack !== 'never' || (o.name !== 'stack' && o.name !== 'region')),
  );
  return [
    `Usage: ${NAME} ${spec.usage}`,
    '',
    spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1) + '.',
    '',
    'Options:',
    ...optionLines([...spec.options, ...globals]),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODES,
  ].join('\n');
}
