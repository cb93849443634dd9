import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');
const prettierBin = path.join(repo, 'node_modules', 'prettier', 'bin', 'prettier.cjs');

/** `prettier --check` with the project's configuration on one probe file: the exit code CI sees. */
function check(source: string): number | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'format-'));
  try {
    const file = path.join(dir, 'probe.ts');
    writeFileSync(file, source);
    const args = [prettierBin, '--config', path.join(repo, '.prettierrc.json'), '--check', file];
    return spawnSync(process.execPath, args, { encoding: 'utf8' }).status;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('formatter configuration', () => {
  it('fails the check on an unformatted line, so `npm run format:check` fails CI', () => {
    expect(check('export const probe = {a:1,b:"two"}\n')).toBe(1);
    expect(check("export const probe = { a: 1, b: 'two' };\n")).toBe(0);
  });

  it('wraps at 120 columns, not at the default 80', () => {
    const items = Array.from({ length: 8 }, (_, i) => `'item${i}'`).join(', ');
    const line = `export const probe = [${items}];\n`;
    expect(line.length).toBeGreaterThan(80);
    expect(check(line)).toBe(0);
  });
});
