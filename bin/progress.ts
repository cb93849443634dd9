/** Where progress goes (stderr) and what kind of place that is; injected so tests can drive both. */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
  /** NO_COLOR set (https://no-color.org): plain lines, no colours, no rewriting of the line. */
  noColor: boolean;
  now(): number;
}

export interface Progress {
  /** One account done; `failed` counts it among the failures so far. */
  tick(failed: boolean): void;
  /** A line of its own (a rotation phase) that does not tear the progress line. */
  note(text: string): void;
  /** The final summary line (always written, also when not a terminal); returns it. */
  finish(): string;
}

const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5_000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.ceil(seconds - m * 60)).padStart(2, '0')}s`;
}

/**
 * done/total, failures so far, rate and ETA on stderr. On a terminal the line is redrawn in place (at most every
 * 100 ms); with NO_COLOR a plain line every 5 s; elsewhere (a pipe, CI, a log file) nothing until the summary, so
 * logs stay readable.
 */
export function startProgress(label: string, total: number, sink: ProgressSink): Progress {
  const started = sink.now();
  let done = 0;
  let failed = 0;
  let lastDraw = -Infinity;
  let drawn = false;
  const live = sink.isTTY && !sink.noColor;
  const plain = sink.isTTY && sink.noColor;

  const line = (): string => {
    const seconds = Math.max((sink.now() - started) / 1000, 0.001);
    const rate = done / seconds;
    const eta = rate > 0 ? duration((total - done) / rate) : '?';
    const failures = live && failed ? `\x1b[31m${failed} failed\x1b[0m` : `${failed} failed`;
    return `${label}: ${done}/${total} accounts, ${failures}, ${rate.toFixed(1)}/s, ETA ${eta}`;
  };

  return {
    tick(isFailure) {
      done++;
      if (isFailure) failed++;
      const now = sink.now();
      if (live && (now - lastDraw >= REDRAW_MS || done === total)) {
        sink.write(`\r\x1b[2K${line()}`);
        drawn = true;
        lastDraw = now;
      } else if (plain && now - lastDraw >= PLAIN_EVERY_MS) {
        sink.write(`${line()}\n`);
        lastDraw = now;
      }
    },
    note(text) {
      sink.write(live && drawn ? `\r\x1b[2K${text}\n${line()}` : `${text}\n`);
    },
    finish() {
      const seconds = (sink.now() - started) / 1000;
      const summary = `${label}: ${done} account${done === 1 ? '' : 's'} in ${seconds.toFixed(1)} s, ${failed} failed`;
      sink.write(`${live && drawn ? '\r\x1b[2K' : ''}${summary}\n`);
      return summary;
    },
  };
}
