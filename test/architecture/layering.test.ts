import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The architecture rules in .dependency-cruiser.cjs, run against small trees that break one rule each, so a rule
 * that silently stopped matching (a renamed folder, a typo in a regex) fails here rather than letting imports rot.
 */
const repo = path.resolve(__dirname, '../..');
const depcruise = path.join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arch-'));
  try {
    symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'probe', dependencies: { zod: '*' }, devDependencies: { yaml: '*' } }),
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'preserve', moduleResolution: 'bundler', strict: true } }),
    );
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    try {
      execFileSync(
        process.execPath,
        [depcruise, 'lib', 'functions', '--config', path.join(repo, '.dependency-cruiser.cjs'), '--output-type', 'err'],
        { cwd: dir, encoding: 'utf8', stdio: 'pipe' },
      );
      return '';
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      return `${stdout ?? ''}${stderr ?? ''}`;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = {
  'lib/errors.ts': 'export const e = 1;\n',
  'lib/deps.ts': "import type { Port } from './veeam/types';\nexport type Deps = { veeam: Port };\n",
  'lib/veeam/types.ts': 'export type Port = { ok: boolean };\n',
  'lib/account/converge-account.ts': "import type { Deps } from '../deps';\nexport const c = (d: Deps) => d;\n",
  'lib/fleet/reconcile.ts': "import { c } from '../account/converge-account';\nexport const r = c;\n",
  'lib/wiring.ts': "import type { Deps } from './deps';\nexport const build = (): Deps => ({ veeam: { ok: true } });\n",
  'functions/worker.ts':
    "import { build } from '../lib/wiring';\nimport { r } from '../lib/fleet/reconcile';\nexport const h = () => r(build());\n",
};

describe('architecture rules', () => {
  it('accept the layering the project uses', () => {
    expect(cruise(base)).toBe('');
  });

  it.each([
    [
      'a root file importing a use case',
      { 'lib/errors.ts': "import { c } from './account/converge-account';\nexport const e = c;\n" },
      'root-is-cross-cutting',
    ],
    [
      'an adapter importing a use case',
      { 'lib/veeam/types.ts': "import { r } from '../fleet/reconcile';\nexport type Port = typeof r;\n" },
      'adapters-below-use-cases',
    ],
    [
      'one account reaching the organization',
      { 'lib/account/converge-account.ts': "import { r } from '../fleet/reconcile';\nexport const c = r;\n" },
      'one-account-knows-no-organization',
    ],
    [
      'a use case building production adapters',
      { 'lib/fleet/reconcile.ts': "import { build } from '../wiring';\nexport const r = build;\n" },
      'use-cases-take-ports',
    ],
    [
      'product code importing the simulator',
      {
        'lib/veeam/types.ts': "import { sim } from '../../sim/veeam';\nexport type Port = typeof sim;\n",
        'sim/veeam.ts': 'export const sim = 1;\n',
      },
      'lib-stays-inside',
    ],
    [
      'a handler importing a test helper',
      {
        'functions/worker.ts': "import { t } from '../test/support/x';\nexport const h = t;\n",
        'test/support/x.ts': 'export const t = 1;\n',
      },
      'handlers-ship-no-simulator',
    ],
    [
      'product code importing a devDependency',
      { 'lib/errors.ts': "import { parse } from 'yaml';\nexport const e = parse;\n" },
      'product-uses-no-dev-dependency',
    ],
    [
      'a cycle',
      {
        'lib/veeam/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
        'lib/veeam/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      },
      'no-cycle',
    ],
    [
      'a util helper importing product code',
      { 'lib/util/sleep.ts': "import { e } from '../errors';\nexport const s = e;\n" },
      'util-is-leaf',
    ],
  ])('fail on %s', (_what, files, rule) => {
    expect(cruise({ ...base, ...files })).toContain(rule);
  });
});
