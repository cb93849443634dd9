import type { CliIo } from '../../bin/cli';

/** The CLI's output captured as an operator's terminal would show it: stdout and stderr lines, no TTY progress. */
export function capturedCli() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    progress: { write: () => undefined, isTTY: false },
  };
  return { out, err, io, doc: () => JSON.parse(out.join('\n')) as Record<string, unknown> };
}
