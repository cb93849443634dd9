import { ACCOUNT_ID } from '../lib/account-id';
import { UsageError } from './usage-error';
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec, type ParsedArgs } from './commands/specs';

export type { ParsedArgs } from './commands/specs';

export { UsageError } from './usage-error';
export { flag, intValue, value, values } from './flags';

function findCommand(positionals: string[]): { spec?: CommandSpec; rest: string[] } {
  const [first, second] = positionals;
  if (first === undefined) return { rest: [] };
  const two = second === undefined ? undefined : COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { spec: two, rest: positionals.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  if (one) return { spec: one, rest: positionals.slice(1) };
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
  if (group.length) {
    const names = group.map((c) => c.name.split(' ')[1]).join(', ');
    throw new UsageError(
      second === undefined
        ? `"${first}" needs a subcommand (${names}); see: veeam-org-sync ${first} ${group[0]!.name.split(' ')[1]} --help`
        : `unknown subcommand "${first} ${second}" (one of ${names})`,
    );
  }
  throw new UsageError(`unknown command "${first}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
}

function checkValue(opt: OptionSpec, raw: string, command?: CommandSpec): string {
  const bad = (why: string) => new UsageError(`--${opt.name} ${why}`, command);
  if (opt.value === 'ID' && !ACCOUNT_ID.test(raw))
    throw bad(`"${raw}" is not an AWS account id (12 digits, e.g. 444455556666)`);
  if (opt.range) {
    const [min, max] = opt.range;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max)
      throw bad(`must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  if (opt.choices && !opt.choices.includes(raw)) throw bad(`must be one of ${opt.choices.join(', ')} (got "${raw}")`);
  return raw;
}

/**
 * Strict parsing: every flag must belong to the command (or be global), every value-taking flag needs its value,
 * values are checked here (account ids, ranges), so a typo never runs something else than what was asked.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const raw: Array<{ name: string; value?: string; text: string }> = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') raw.push({ name: 'help', text: a });
    else if (a === '-V') raw.push({ name: 'version', text: a });
    else if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      raw.push(eq < 0 ? { name, text: a } : { name, value: a.slice(eq + 1), text: a });
    } else if (a.startsWith('-') && a !== '-') raw.push({ name: a.replace(/^-+/, ''), text: a });
    else positionals.push(a);
    // Value-taking flags consume the next word (resolved below once the command is known).
    const last = raw[raw.length - 1];
    if (last && last.text === a && last.value === undefined) {
      const opt = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)].find((o) => o.name === last.name);
      const next = argv[i + 1];
      if (opt?.value && next !== undefined && !next.startsWith('--')) {
        last.value = next;
        i++;
      }
    }
  }

  const help = raw.some((r) => r.name === 'help');
  let found: { spec?: CommandSpec; rest: string[] };
  try {
    found = findCommand(positionals);
  } catch (err) {
    // `veeam-org-sync nonsense --help` still deserves the global help rather than an error.
    if (help) return { positionals: [], flags: new Map(), help: true, json: raw.some((r) => r.name === 'json') };
    throw err;
  }
  const command = found.spec;
  const known = [...GLOBAL_OPTIONS, ...(command?.options ?? [])];
  const flags = new Map<string, string[]>();
  for (const r of raw) {
    const opt = known.find((o) => o.name === r.name);
    if (!opt) {
      const elsewhere = COMMANDS.filter((c) => c.options.some((o) => o.name === r.name)).map((c) => c.name);
      const hint = elsewhere.length ? ` (it belongs to ${elsewhere.join(', ')})` : '';
      throw new UsageError(`unknown option ${r.text}${command ? ` for ${command.name}` : ''}${hint}`, command);
    }
    if (opt.value && r.value === undefined) throw new UsageError(`--${opt.name} needs a value (${opt.value})`, command);
    if (!opt.value && r.value !== undefined) throw new UsageError(`--${opt.name} takes no value`, command);
    const list = flags.get(opt.name) ?? [];
    if (list.length && !opt.multiple) throw new UsageError(`--${opt.name} is given more than once`, command);
    list.push(opt.value ? checkValue(opt, r.value!, command) : 'true');
    flags.set(opt.name, list);
  }
  const parsed: ParsedArgs = {
    ...(command ? { command } : {}),
    positionals: found.rest,
    flags,
    help,
    json: flags.has('json'),
  };
  if (command && flags.has('version'))
    throw new UsageError(`--version takes no command: run veeam-org-sync --version`, command);
  if (help || !command) return parsed;

  const [min, max] = command.positionals.count;
  const names = command.positionals.names;
  if (found.rest.length < min) throw new UsageError(`${command.name} needs ${names}`, command);
  if (found.rest.length > max) {
    const extra = found.rest.slice(max).join(' ');
    throw new UsageError(
      max === 0
        ? `${command.name} takes no arguments (got "${extra}")`
        : `${command.name} takes ${max === 1 ? 'only' : `at most ${max}:`} ${names} (extra: "${extra}")${command.name === 'sync' ? '; for several accounts use reconcile --account ID --account ID' : ''}`,
      command,
    );
  }
  if (command.stack === 'never' && flags.has('stack'))
    throw new UsageError(`${command.name} runs in-process only; --stack does not apply`, command);
  if (command.stack === 'required' && !flags.has('stack'))
    throw new UsageError(`${command.name} needs --stack NAME (the deployed stack whose queues to read)`, command);
  if (flags.has('region') && !flags.has('stack'))
    throw new UsageError('--region only applies with --stack; in-process commands use AWS_REGION', command);
  command.check?.(parsed, (message) => new UsageError(message, command));
  return parsed;
}
