import { coverageCommand } from './coverage';
import { doctorCommand } from './doctor';
import { dlqListCommand, dlqRedriveCommand } from './dlq';
import { eventCommand } from './event';
import { reconcileCommand } from './reconcile';
import { rotateCommand } from './rotate';
import { statusCommand } from './status';
import { syncCommand } from './sync';
import type { CommandSpec, OptionSpec, ParsedArgs } from '../context';

export type { CommandSpec, OptionSpec, ParsedArgs } from '../context';

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'json', help: 'write exactly one JSON document to stdout (errors included); progress stays on stderr' },
  { name: 'help', help: 'show this command’s usage, options and examples' },
  { name: 'stack', value: 'NAME', help: 'act through the deployed stack NAME (CloudFormation) instead of in-process' },
  { name: 'region', value: 'REGION', help: 'region of --stack (default: AWS_REGION or your profile’s region)' },
  { name: 'version', help: 'print the version (also -V); only without a command' },
];

const account: OptionSpec = {
  name: 'account',
  value: 'ID',
  multiple: true,
  help: 'only this account (12 digits); repeat for several',
};
const dryRun: OptionSpec = { name: 'dry-run', help: 'show what would change and change nothing' };
const wait: OptionSpec = {
  name: 'wait',
  help: 'with --stack: wait until the worker has handled the request, then print the account’s state',
};
const timeout: OptionSpec = {
  name: 'timeout',
  value: 'SECONDS',
  range: [10, 3600],
  help: 'with --wait: give up waiting after this long (default 900)',
};
/** The three DLQs by name; each dlq command says what choosing one means for it. */
const dlqOption = (help: string): OptionSpec => ({
  name: 'queue',
  value: 'QUEUE',
  choices: ['events', 'intake', 'worker'],
  help,
});

function stackOnly(args: ParsedArgs, usage: (m: string) => Error, ...names: string[]): void {
  for (const n of names)
    if (args.flags.has(n) && !args.flags.has('stack')) throw usage(`--${n} only applies with --stack`);
}
function localOnly(args: ParsedArgs, usage: (m: string) => Error, ...names: string[]): void {
  for (const n of names)
    if (args.flags.has(n) && args.flags.has('stack'))
      throw usage(`--${n} cannot be combined with --stack (the deployed service uses its own settings)`);
}

const COVERAGE_COMMAND: CommandSpec = {
  name: 'coverage',
  run: coverageCommand,
  usage: 'coverage [--account ID]...',
  summary:
    'which accounts in scope an enabled backup policy covers, and why not; read only (in-process: it reads the appliance itself)',
  positionals: { names: '', count: [0, 0] },
  options: [account],
  examples: [
    'veeam-org-sync coverage',
    'veeam-org-sync coverage --json',
    'veeam-org-sync coverage --account 444455556666',
  ],
  stack: 'never',
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'help',
    usage: 'help [command]',
    summary: 'show the commands, or one command’s usage, options and examples',
    positionals: { names: 'a command name', count: [0, 2] },
    options: [],
    examples: ['veeam-org-sync help', 'veeam-org-sync help reconcile'],
    stack: 'never',
  },
  {
    name: 'event',
    run: eventCommand,
    usage: 'event <file|-> [--dry-run]',
    summary: 'process one EventBridge event (a JSON file, or - for stdin) as the Lambda would, converging in-process',
    positionals: { names: 'an event file (or - for standard input)', count: [1, 1] },
    options: [dryRun],
    examples: [
      'veeam-org-sync event create-account-result.json',
      'aws events test-event-pattern ... | veeam-org-sync event - --dry-run',
    ],
    stack: 'never',
  },
  {
    name: 'sync',
    run: syncCommand,
    usage: 'sync <accountId> [--dry-run] | sync <accountId> --stack NAME [--wait [--timeout SECONDS]]',
    summary: 'converge one account now (in-process), or enqueue it for the deployed worker (--stack)',
    positionals: { names: 'an account id (12 digits)', count: [1, 1] },
    options: [dryRun, wait, timeout],
    examples: [
      'veeam-org-sync sync 444455556666',
      'veeam-org-sync sync 444455556666 --dry-run --json',
      'veeam-org-sync sync 444455556666 --stack veeam-org-sync-prod --wait',
    ],
    stack: 'optional',
    check(args, usage) {
      const id = args.positionals[0]!;
      if (!/^\d{12}$/.test(id)) throw usage(`"${id}" is not an AWS account id (12 digits, e.g. 444455556666)`);
      stackOnly(args, usage, 'wait');
      localOnly(args, usage, 'dry-run');
      if (args.flags.has('timeout') && !args.flags.has('wait')) throw usage('--timeout only applies with --wait');
    },
  },
  {
    name: 'status',
    run: statusCommand,
    usage: 'status [--account ID]...',
    summary: 'what is (IAM roles, Veeam entries, external-ID age) and what would be done, per account; changes nothing',
    positionals: { names: '', count: [0, 0] },
    options: [account],
    examples: [
      'veeam-org-sync status',
      'veeam-org-sync status --account 444455556666 --json',
      'veeam-org-sync status --stack veeam-org-sync-prod',
    ],
    stack: 'optional',
  },
  {
    name: 'reconcile',
    run: reconcileCommand,
    usage: 'reconcile [--dry-run] [--account ID]... [--allow-offboard N]',
    summary:
      'converge every account in scope (or the named ones); with --stack the deployed reconcile function plans and enqueues',
    positionals: { names: '', count: [0, 0] },
    options: [
      dryRun,
      account,
      {
        name: 'allow-offboard',
        value: 'N',
        range: [1, 100_000],
        help: 'confirm up to N offboardings beyond the offboarding budget (OFFBOARD_MAX_PER_RUN per 24 hours): a grant naming exactly the accounts this run offboards, valid 1 hour',
      },
    ],
    examples: [
      'veeam-org-sync reconcile --dry-run',
      'veeam-org-sync reconcile --account 444455556666 --account 777788889999',
      'veeam-org-sync reconcile --allow-offboard 12',
      'veeam-org-sync reconcile --account 444455556666 --allow-offboard 1',
      'veeam-org-sync reconcile --dry-run --stack veeam-org-sync-prod --json',
    ],
    stack: 'optional',
    check(args, usage) {
      if (args.flags.has('allow-offboard') && args.flags.has('dry-run'))
        throw usage('--allow-offboard cannot be combined with --dry-run (a dry run offboards nothing)');
    },
  },
  {
    name: 'rotate',
    run: rotateCommand,
    usage: 'rotate [--account ID]... [--force] [--propagation-wait SECONDS] [--dry-run]',
    summary:
      'rotate the external IDs that are due (or --force), printing each phase on stderr; with --stack the worker rotates',
    positionals: { names: '', count: [0, 0] },
    options: [
      account,
      { name: 'force', help: 'rotate even when the external ID is not due' },
      {
        name: 'propagation-wait',
        value: 'SECONDS',
        range: [0, 60],
        help: 'seconds to let IAM propagate the widened trust (default PROPAGATION_WAIT_SECONDS)',
      },
      dryRun,
      wait,
      timeout,
    ],
    examples: [
      'veeam-org-sync rotate',
      'veeam-org-sync rotate --account 444455556666 --force --propagation-wait 20',
      'veeam-org-sync rotate --account 444455556666 --force --stack veeam-org-sync-prod --wait',
    ],
    stack: 'optional',
    check(args, usage) {
      stackOnly(args, usage, 'wait');
      localOnly(args, usage, 'dry-run', 'propagation-wait');
      if (args.flags.has('timeout') && !args.flags.has('wait')) throw usage('--timeout only applies with --wait');
      if (args.flags.has('wait') && !args.flags.has('account'))
        throw usage('--wait needs --account (which accounts the deployed rotate function picks is not known here)');
    },
  },
  {
    name: 'dlq list',
    run: dlqListCommand,
    usage: 'dlq list --stack NAME [--queue events|intake|worker] [--max N]',
    summary: 'show each message parked in a dead-letter queue with its reason, without consuming it',
    positionals: { names: '', count: [0, 0] },
    options: [
      dlqOption('which DLQ (default: all three)'),
      { name: 'max', value: 'N', range: [1, 1000], help: 'at most N messages per queue (default 100)' },
    ],
    examples: [
      'veeam-org-sync dlq list --stack veeam-org-sync-prod',
      'veeam-org-sync dlq list --stack prod --queue worker --json',
    ],
    stack: 'required',
  },
  {
    name: 'dlq redrive',
    run: dlqRedriveCommand,
    usage: 'dlq redrive --stack NAME [--queue worker]',
    summary: 'move the worker DLQ’s messages back to the account queue (after fixing the cause)',
    positionals: { names: '', count: [0, 0] },
    options: [dlqOption('only the worker DLQ (the default) has a queue to go back to')],
    examples: ['veeam-org-sync dlq redrive --stack veeam-org-sync-prod'],
    stack: 'required',
    check(args, usage) {
      const q = args.flags.get('queue')?.[0];
      if (q && q !== 'worker')
        throw usage(
          `--queue ${q} cannot be redriven: its messages are events and failed invocations, not account requests; fix the cause, then run: veeam-org-sync reconcile --stack NAME`,
        );
    },
  },
  COVERAGE_COMMAND,
  {
    name: 'doctor',
    run: doctorCommand,
    usage: 'doctor [--json]',
    summary:
      'preflight before the first deploy and any time after (organization, extension layer, secret, appliance, principal): each check with its fix, exit 1 if one fails',
    positionals: { names: '', count: [0, 0] },
    options: [],
    examples: [
      'veeam-org-sync doctor',
      'SECRETS_EXTENSION_LAYER_ARN=arn:aws:lambda:eu-west-1:...:layer:AWS-Parameters-and-Secrets-Lambda-Extension:17 AWS_REGION=eu-west-1 veeam-org-sync doctor',
      'veeam-org-sync doctor --json | jq \'.checks[] | select(.status == "fail")\'',
    ],
    stack: 'never',
  },
];
