// Runs the project's dependency-cruiser rules over small probe trees in one Node process, through depcruise's
// cruise() API. dependency-cruiser is ESM with top-level await, which jest's CommonJS sandbox cannot load, so the
// test starts this script once for all of its trees (instead of one CLI process per tree).
// stdin: JSON { repo, trees: Record<string, string>[] }; stdout: JSON string[][] (the rules each tree violates).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { repo, trees } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const options = await extractDepcruiseOptions(path.join(repo, '.dependency-cruiser.cjs'));

const results = [];
for (const files of trees) {
  const dir = mkdtempSync(path.join(tmpdir(), 'arch-'));
  try {
    symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: 'probe',
        dependencies: { zod: '*', '@aws-sdk/client-sqs': '*' },
        devDependencies: { yaml: '*' },
      }),
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'preserve', moduleResolution: 'bundler', strict: true } }),
    );
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    process.chdir(dir);
    const roots = ['lib', 'functions', 'bin'].filter((root) =>
      Object.keys(files).some((f) => f.startsWith(`${root}/`)),
    );
    const { output } = await cruise(
      roots,
      structuredClone(options),
      {},
      { tsConfig: extractTSConfig('tsconfig.json') },
    );
    results.push(output.summary.violations.map((v) => v.rule.name));
  } finally {
    process.chdir(repo);
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify(results));
