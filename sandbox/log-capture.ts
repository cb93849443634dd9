type Write = typeof process.stdout.write;

/**
 * Captures what the service writes (Powertools structured JSON logs: INFO on stdout, WARN/ERROR on stderr)
 * while the story runs: the timeline is built from the real logs, and the same text is scanned for secrets.
 */
export function captureLogs(onLine: (entry: Record<string, unknown>) => void) {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originals: Write[] = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    let pending = '';
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        let entry: Record<string, unknown> | undefined;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          // Not a log line (our own output, runtime warnings): pass it through untouched.
          originals[i]?.(`${line}\n`);
        }
        if (entry) {
          chunks.push(line);
          onLine(entry);
        }
      }
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    };
  });
  return {
    text: () => chunks.join('\n'),
    print: (line: string) => originals[0]!(`${line}\n`),
    restore: () => streams.forEach((s, i) => (s.write = originals[i]!)),
  };
}
