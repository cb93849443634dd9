import type { CheckResult } from './check';

const MARK = { ok: '✔', fail: '✖', skip: '-' } as const;

export function summarizeChecks(results: CheckResult[]): { passed: number; failed: number; skipped: number } {
  return {
    passed: results.filter((r) => r.status === 'ok').length,
    failed: results.filter((r) => r.status === 'fail').length,
    skipped: results.filter((r) => r.status === 'skip').length,
  };
}

/** ✔ / ✖ / - per check, the finding beside it and, under a failure, the fix. */
export function renderChecks(header: string, results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.title.length));
  const lines = [header, ''];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.title.padEnd(width)}  ${r.detail}`);
    if (r.fix) lines.push(`  ${' '.repeat(width)}  ${r.status === 'skip' ? 'to check it' : 'fix'}: ${r.fix}`);
  }
  const s = summarizeChecks(results);
  lines.push('', `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  return lines.join('\n');
}
