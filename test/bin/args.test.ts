import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli, type CliIo } from '../../bin/cli';
import { COMMANDS } from '../../bin/commands/specs';
import { toFailure } from '../../bin/failure';
import { explainAccounts } from '../../bin/commands/results';
import { SecretError } from '../../lib/secrets/errors';

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const c: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env };
  return { out, err, io: c };
}

describe('the CLI contract, without any configuration', () => {
  it.each([
    [['reconcile', '--dryrun'], /unknown option --dryrun for reconcile/, 'reconcile'],
    [['reconcile', '--account'], /--account needs a value/, 'reconcile'],
    [['reconcile', '--account', '--dry-run'], /--account needs a value/, 'reconcile'],
    [
      ['rotate', '--propagation-wait', '-1'],
      /--propagation-wait must be a whole number from 0 to 60 \(got "-1"\)/,
      'rotate',
    ],
    [['rotate', '--propagation-wait', '999'], /--propagation-wait must be a whole number from 0 to 60/, 'rotate'],
    [['sync', '111111111111', '222222222222'], /sync takes only an account id .*extra: "222222222222"/, 'sync'],
    [['sync', '12345'], /"12345" is not an AWS account id/, 'sync'],
    [['sync'], /sync needs an account id/, 'sync'],
    [['event', 'f.json', '--account', '111111111111'], /unknown option --account for event/, 'event'],
    [['reconcile', '--force'], /unknown option --force for reconcile \(it belongs to rotate\)/, 'reconcile'],
    [['status', '--account', '12345'], /--account "12345" is not an AWS account id/, 'status'],
    [['reconcile', '--account', '12345'], /--account "12345" is not an AWS account id/, 'reconcile'],
    [
      ['reconcile', '--dry-run', '--allow-offboard', '3'],
      /--allow-offboard cannot be combined with --dry-run/,
      'reconcile',
    ],
    [['reconcile', '--allow-offboard', '0'], /--allow-offboard must be a whole number from 1/, 'reconcile'],
    [['rotate', '--dry-run', '--stack', 'prod'], /--dry-run cannot be combined with --stack/, 'rotate'],
    [['sync', '111111111111', '--wait'], /--wait only applies with --stack/, 'sync'],
    [['status', '--region', 'eu-west-1'], /--region only applies with --stack/, 'status'],
    [['event', 'f.json', '--stack', 'prod'], /event runs in-process only/, 'event'],
    [['dlq', 'list'], /dlq list needs --stack NAME/, 'dlq list'],
    [['dlq', 'list', '--stack', 'p', '--queue', 'other'], /--queue must be one of events, intake, worker/, 'dlq list'],
    [
      ['dlq', 'redrive', '--stack', 'p', '--queue', 'events'],
      /--queue events cannot be redriven.*reconcile --stack/,
      'dlq redrive',
    ],
    [['status', '--dry-run'], /unknown option --dry-run for status \(it belongs to/, 'status'],
    [['reconcile', '--dry-run', '--dry-run'], /--dry-run is given more than once/, 'reconcile'],
    [['frobnicate'], /unknown command "frobnicate"/, undefined],
  ])('%j exits 2 with one line naming the problem and the usage', async (argv, why, command) => {
    const c = io();
    expect(await runCli(argv, c.io)).toBe(2);
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).not.toContain('\n');
    expect(c.err[0]).toMatch(why);
    expect(c.err[0]).toContain(
      command ? `usage: veeam-org-sync ${command === 'dlq list' ? 'dlq list' : command}` : 'usage:',
    );
    expect(c.err[0]).not.toMatch(/ERR_PARSE_ARGS|\s+at /);
    expect(c.out).toEqual([]);
  });

  it('help, --help and no command at all print the commands and the exit codes, with no configuration', async () => {
    for (const argv of [['help'], ['--help'], ['-h'], []]) {
      const c = io();
      expect(await runCli(argv, c.io)).toBe(0);
      const text = c.out.join('\n');
      for (const spec of COMMANDS) expect(text).toContain(spec.name);
      expect(text).toMatch(/3 {2}offboarding held: the offboarding budget/);
      expect(c.err).toEqual([]);
    }
  });

  it.each(COMMANDS.map((c) => c.name))('"%s --help" prints its usage, options and an example, exit 0', async (name) => {
    const c = io();
    expect(await runCli([...name.split(' '), '--help'], c.io)).toBe(0);
    const text = c.out.join('\n');
    const spec = COMMANDS.find((s) => s.name === name)!;
    expect(text).toContain(`Usage: veeam-org-sync ${spec.usage}`);
    for (const o of spec.options) expect(text).toContain(`--${o.name}`);
    expect(text).toMatch(/Examples:\n {2}veeam-org-sync /);
    const viaHelp = io();
    expect(await runCli(['help', ...name.split(' ')], viaHelp.io)).toBe(0);
    expect(viaHelp.out).toEqual(c.out);
  });

  it('a configuration problem exits 2 and names the variable', async () => {
    const c = io({ VEEAM_URL: 'https://10.0.1.10' });
    expect(await runCli(['status'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/VEEAM_URL "https:\/\/10.0.1.10" has no port.*https:\/\/10\.0\.1\.10:11005/);
    expect(c.err.join('\n')).toMatch(/VEEAM_SECRET_ID is required/);
  });
});

describe('AWS errors name their cause', () => {
  it('a missing region hidden inside a secret error says to set AWS_REGION', () => {
    const err = new SecretError(
      'Reading the Veeam credentials secret VEEAM_SECRET_ID=x with Secrets Manager failed (Error).',
      true,
      {
        cause: new Error('Region is missing'),
      },
    );
    const f = toFailure(err, {});
    expect(f.exitCode).toBe(2);
    expect(f.message).toMatch(/set AWS_REGION/);
    expect(f.message).toMatch(/while: Reading the Veeam credentials secret/);
  });

  it('missing credentials say which chain was tried and which profile', () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const f = toFailure(err, { AWS_PROFILE: 'ops' });
    expect(f.exitCode).toBe(2);
    expect(f.message).toMatch(/environment variables .*AWS_PROFILE=ops.*web identity.*instance metadata/);
  });

  it('an account that failed for want of credentials is reported with the fix, exit 2', () => {
    const { reports, exitCode } = explainAccounts([
      {
        accountId: '444455556666',
        inScope: false,
        scopeReason: 'unknown',
        action: 'error',
        roles: [],
        dryRun: false,
        error: {
          code: 'CredentialsProviderError',
          message: 'Could not load credentials from any providers',
          retryable: true,
        },
      },
    ]);
    expect(exitCode).toBe(2);
    expect(reports[0]!.error).toMatchObject({
      code: 'AwsCredentialsMissing',
      message: expect.stringMatching(/chain was tried/),
    });
  });

  it('any other failure of the work is exit 1 with its code', () => {
    expect(toFailure(Object.assign(new Error('boom'), { name: 'ServiceUnavailable' }))).toEqual({
      exitCode: 1,
      code: 'ServiceUnavailable',
      message: 'boom',
    });
  });
});

describe('the installed command (bin/veeam-org-sync.mjs), as a shell runs it', () => {
  const run = (argv: string[]) =>
    spawnSync(process.execPath, [path.join(__dirname, '../../bin/veeam-org-sync.mjs'), ...argv], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });

  it('--help works without configuration; a usage error is exit 2, one JSON document on stdout, no stack trace', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: veeam-org-sync <command>/);
    const bad = run(['reconcile', '--dryrun', '--json']);
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ schemaVersion: 1, command: 'reconcile', exitCode: 2 });
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/unknown option --dryrun for reconcile/)]);
  }, 30_000);
});
