import type { Deps } from '../lib/deps';
import type { Progress } from './progress';
import type { Remote } from './remote/stack';

/** Everything the CLI touches outside itself, injectable so tests drive terminals, stdin and time. */
export interface CliIo {
  /** stdout: the result (a table, or the one JSON document). */
  out: (text: string) => void;
  /** stderr: messages and errors, one line each. */
  err: (text: string) => void;
  /** Reads '-' (stdin) for `event -`. */
  readStdin?: () => string;
  /** Where progress goes (stderr by default) and whether it is a terminal. */
  progress?: { write: (text: string) => void; isTTY: boolean };
  env?: Record<string, string | undefined>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CommandContext {
  args: ParsedArgs;
  io: CliIo;
  env: Record<string, string | undefined>;
  /** In-process adapters, built on first use (a ConfigError is exit code 2). */
  deps(): Deps;
  /** The deployed stack named by --stack. */
  remote(): Promise<Remote>;
  progress(label: string, total: number): Progress;
  /** A line on stderr that does not tear a progress line (rotation phases, notes). */
  note(text: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** What a command produced: the exit code, the JSON document's body and the text for people. */
export interface CommandResult {
  exitCode: number;
  data: Record<string, unknown>;
  text: string;
}

export interface ParsedArgs {
  /** undefined: no command given (global help). */
  command?: CommandSpec;
  positionals: string[];
  /** Flag name (without --) to its values, in order. Booleans hold 'true'. */
  flags: Map<string, string[]>;
  help: boolean;
  json: boolean;
}

export interface OptionSpec {
  name: string;
  /** Placeholder of the value it takes; absent for a boolean flag. */
  value?: string;
  multiple?: boolean;
  help: string;
  /** Inclusive range of a whole-number value. */
  range?: [number, number];
  choices?: string[];
}

export interface CommandSpec {
  name: string;
  /** The usage line after "veeam-org-sync". */
  usage: string;
  summary: string;
  positionals: { names: string; count: [number, number] };
  options: OptionSpec[];
  examples: string[];
  /** Acts through the deployed stack with --stack: 'optional', 'required' or 'never'. */
  stack: 'optional' | 'required' | 'never';
  /** Conflicts and combinations parsing alone cannot see; throw the error `usage(message)` returns. */
  check?: (args: ParsedArgs, usage: (message: string) => Error) => void;
  /** Runs the command; absent for `help`, which the CLI answers from these specs itself. */
  run?: (ctx: CommandContext) => Promise<CommandResult>;
}
