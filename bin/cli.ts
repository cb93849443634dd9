import { readFileSync } from 'node:fs';
import { loadConfig } from '../lib/config';
import type { Deps } from '../lib/deps';
import { logger } from '../lib/log';
import { sleep } from '../lib/util/sleep';
import { buildDeps } from '../lib/wiring';
import { parseArgs, UsageError, value, type ParsedArgs } from './args';
import { COMMANDS } from './commands/specs';
import type { CliIo, CommandContext, CommandResult } from './context';
import { toFailure } from './failure';
import { startProgress, type Progress } from './progress';
import { openStack, type Remote } from './remote/stack';
import { commandHelp, globalUsage } from './usage';
import { VERSION } from './version';

export type { CliIo } from './context';

/** Bumped when a JSON document changes incompatibly (a field removed or changing meaning); additions keep it. */
export const JSON_SCHEMA_VERSION = 1;

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  readStdin: () => readFileSync(0, 'utf8'),
  progress: { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY === true },
};

function helpFor(args: ParsedArgs): CommandResult {
  // `help reconcile` and `help dlq list` name the command as positionals; `reconcile --help` through the parser.
  const isHelp = args.command?.name === 'help';
  const named = isHelp ? args.positionals.join(' ') || (args.help ? 'help' : '') : undefined;
  const spec = named ? COMMANDS.find((c) => c.name === named) : isHelp ? undefined : args.command;
  if (named && !spec) throw new UsageError(`help: unknown command "${named}"`, args.command);
  const text = spec ? commandHelp(spec) : globalUsage();
  return { exitCode: 0, data: { usage: text }, text };
}

/**
 * The CLI's contract: exit 0 done, 1 the work failed, 2 bad usage or configuration, 3 the offboarding guard held.
 * With --json, stdout carries exactly one JSON document (errors included) and everything else goes to stderr.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo, injected?: Deps): Promise<number> {
  const env = io.env ?? process.env;
  const json = argv.includes('--json');
  // Until parsing names the command (a usage error may come first), the document says what was typed.
  let commandName = argv.find((a) => !a.startsWith('-')) ?? 'help';
  const emit = (exitCode: number, data: Record<string, unknown>, text?: string) => {
    if (json)
      io.out(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, command: commandName, exitCode, ...data }, null, 2));
    else if (text !== undefined) io.out(text);
    return exitCode;
  };

  let active: Progress | undefined;
  try {
    const args = parseArgs(argv);
    commandName = args.command?.name ?? 'help';
    if (!args.command && args.flags.has('version') && !args.help) {
      commandName = 'version';
      return emit(0, { version: VERSION }, `veeam-org-sync ${VERSION}`);
    }
    if (args.help || !args.command?.run) {
      const r = helpFor(args);
      return emit(r.exitCode, r.data, r.text);
    }
    let deps: Deps | undefined = injected;
    let remote: Promise<Remote> | undefined;
    const sink = io.progress ?? { write: (t: string) => io.err(t.replace(/\n$/, '')), isTTY: false };
    const ctx: CommandContext = {
      args,
      io,
      env,
      deps: () => (deps ??= buildDeps({ config: loadConfig(env), purpose: 'cli' })),
      remote: () => (remote ??= openStack(value(args, 'stack')!, value(args, 'region'))),
      progress: (label, total) =>
        (active = startProgress(label, total, {
          write: (t) => sink.write(t),
          isTTY: sink.isTTY,
          noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
          now: () => (io.now ?? Date.now)(),
        })),
      note: (text) => (active ? active.note(text) : sink.write(`${text}\n`)),
      now: () => (io.now ?? Date.now)(),
      sleep: (ms) => (io.sleep ?? sleep)(ms),
    };
    const result = await args.command.run(ctx);
    return emit(result.exitCode, result.data, result.text);
  } catch (err) {
    if (err instanceof UsageError && err.command) commandName = err.command.name;
    const regionAt = argv.indexOf('--region');
    const regionFlag = regionAt >= 0 ? argv[regionAt + 1] : argv.find((a) => a.startsWith('--region='))?.slice(9);
    const f = toFailure(err, env, regionFlag);
    io.err(`${f.code === 'Usage' ? 'veeam-org-sync' : f.code}: ${f.message}`);
    return emit(f.exitCode, { error: { code: f.code, message: f.message } });
  }
}

// Run when executed directly (tsx bin/cli.ts ...), not when imported by tests or the sandbox.
if (process.argv[1] && /bin[\\/]cli\.ts$/.test(process.argv[1])) {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // `npm run cli` comes here without the launcher: the same opt-out of the SDK's Node 20 notice (see
  // veeam-org-sync.mjs). It is read when the first client is built, which is later than this line.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The report is the output; structured logs would interleave with it unless asked for.
  if (!process.env.POWERTOOLS_LOG_LEVEL && !process.env.LOG_LEVEL) logger.setLogLevel('WARN');
  // stdout carries the result only: anything else that writes to it (a library's log line) goes to stderr.
  const stdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr);
  void runCli(process.argv.slice(2), { ...defaultIo, out: (t) => stdout(`${t}\n`) }).then((code) =>
    // Exit once stdout has drained: a large JSON document piped to another program must arrive whole.
    stdout('', () => process.exit(code)),
  );
}
