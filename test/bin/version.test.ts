import fs from 'node:fs';
import path from 'node:path';
import { runCli, type CliIo } from '../../bin/cli';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const c: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env: {} };
  return { out, err, io: c };
}

describe('veeam-org-sync --version', () => {
  it('prints the semver of package.json and exits 0, with no configuration at all', async () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    for (const flag of ['--version', '-V']) {
      const c = io();
      expect(await runCli([flag], c.io)).toBe(0);
      expect(c.out).toEqual([`veeam-org-sync ${pkg.version}`]);
      expect(c.err).toEqual([]);
    }
  });

  it('--json gives one document with the version', async () => {
    const c = io();
    expect(await runCli(['--version', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0]!)).toEqual({ schemaVersion: 1, command: 'version', exitCode: 0, version: pkg.version });
  });

  it('after a command it is a usage error (exit 2) that says how to ask', async () => {
    const c = io();
    expect(await runCli(['status', '--version'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--version takes no command: run veeam-org-sync --version/);
  });

  it('the changelog has an entry for this version or an Unreleased section naming it', () => {
    const changelog = fs.readFileSync(path.join(__dirname, '../../CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^## Unreleased$/m);
    expect(changelog).toContain(pkg.version);
  });
});
