import type { Deps } from '../lib/deps';
import type { ParsedArgs } from './args';
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
