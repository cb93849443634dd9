/**
 * Bundle benchmark: what each function ships and what its cold start costs, against its bounds (zip ≤ 300 KB with the
 * SDK inside, module init ≤ 100 ms).
 *
 *   npm run bench:bundles                 # package, then measure
 *   npm run bench:bundles -- --no-package # measure the last package
 *   npm run bench:bundles -- --write      # also write the "Bundles" section of bench/RESULTS.md
 *
 * For every function: the zip's size (the AWS SDK is inside), the bytes its handler loads at init, and module init,
 * i.e. the time to import the handler from the unzipped zip in a fresh Node process with the deployed NODE_OPTIONS
 * (median of 5 cold loads, after one load fenced to the zip; wall clock, and the process's CPU time, which a busy
 * machine disturbs less).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import {
  bundleNode,
  extractShipped,
  median,
  modulesReached,
  packageService,
  runShipped,
  type ShippedFunction,
} from './bundle-runner';

const ZIP_BOUND_BYTES = 300 * 1024;
const INIT_BOUND_MS = 100;
const LOADS = 5;
const RESULTS = path.join(__dirname, 'RESULTS.md');
const START = '<!-- bundles:start (npm run bench:bundles -- --write) -->';
const END = '<!-- bundles:end -->';

interface Row {
  name: string;
  zipKb: number;
  bundleKb: number;
  initKb: number;
  initMs: number;
  initCpuMs: number;
  loads: number[];
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  if (!args.has('--no-package')) packageService();
  const shipped = extractShipped();
  const env = {
    AWS_LAMBDA_FUNCTION_NAME: 'veeam-org-sync-bench',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const rows: Row[] = [];
  try {
    for (const fn of shipped.functions) {
      const loads: number[] = [];
      const cpu: number[] = [];
      // Once fenced (nothing outside the zip may resolve), then timed as the Lambda runtime loads it.
      const fenced = await runShipped(fn, { mode: 'load', env, nodeOptions: shipped.nodeOptions });
      if (!fenced.ok) throw new Error(`${fn.name} did not load from its zip alone: ${fenced.error?.message}`);
      for (let i = 0; i < LOADS; i++) {
        const run = await runShipped(fn, { mode: 'time', env, nodeOptions: shipped.nodeOptions });
        if (!run.ok) throw new Error(`${fn.name} did not load: ${run.error?.message}`);
        loads.push(run.initMs);
        cpu.push(run.initCpuMs);
      }
      rows.push({
        name: fn.name,
        zipKb: fn.zipBytes / 1024,
        bundleKb: fn.entries.reduce((n, e) => n + e.size, 0) / 1024,
        initKb: loadedAtInit(fn) / 1024,
        initMs: median(loads),
        initCpuMs: median(cpu),
        loads,
      });
    }
  } finally {
    shipped.cleanup();
  }

  const node = bundleNode();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const maps = path.join(__dirname, '..', '.serverless', 'sourcemaps');
  const table = [
    '| function | zip (SDK inside) | bound | ratio | unzipped | loaded at init | module init, median of 5 (wall) | bound | ratio | CPU time, median | the 5 loads (ms) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.zipKb.toFixed(0)} KB | 300 KB | ${(r.zipKb / 300).toFixed(2)} | ${r.bundleKb.toFixed(0)} KB | ${r.initKb.toFixed(0)} KB | ` +
        `${r.initMs.toFixed(0)} ms | ${INIT_BOUND_MS} ms | ${(r.initMs / INIT_BOUND_MS).toFixed(2)} | ` +
        `${r.initCpuMs.toFixed(0)} ms | ${r.loads.map((l) => l.toFixed(0)).join(', ')} |`,
    ),
  ].join('\n');
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const notes = [
    `Node ${nodeVersion}; NODE_OPTIONS as deployed: ${shipped.nodeOptions ? `\`${shipped.nodeOptions}\`` : '(none)'}; ` +
      `${cpus().length} CPUs, load average ${load} (1/5/15 min) while measuring.`,
    `Source maps: ${existsSync(maps) ? '.serverless/sourcemaps/ (outside the zips)' : 'not produced'}.`,
  ];
  const over = rows.filter((r) => r.zipKb * 1024 > ZIP_BOUND_BYTES || r.initMs > INIT_BOUND_MS).map((r) => r.name);
  const section = [
    START,
    '## Bundles',
    '',
    'Command: `npm run bench:bundles -- --write` (bench/bundles.ts). Each function is packaged by',
    '`serverless package`, unzipped outside the repository and loaded once by a fresh Node process that can resolve',
    'only its zip; then module init is timed in 5 more fresh processes: the time the `import` of its handler takes, as',
    'the Lambda runtime imports it (the ES module loader already up). "Loaded at init" is the handler module and the',
    'chunks it imports statically; the other chunks load on first use.',
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    `- Within both bounds: ${over.length ? `no (${over.join(', ')})` : 'yes'}.`,
    END,
  ].join('\n');

  console.log(section);
  if (args.has('--write')) {
    const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
    const at = current.indexOf(START);
    const end = current.indexOf(END);
    const next =
      at >= 0 && end > at
        ? current.slice(0, at) + section + current.slice(end + END.length)
        : `${current.trimEnd()}\n\n${section}\n`;
    writeFileSync(RESULTS, next);
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  }
  if (over.length) process.exitCode = 1;
}

/** Bytes of the handler's module and of every chunk it imports statically. */
function loadedAtInit(fn: ShippedFunction): number {
  const files = modulesReached(fn, { dynamic: false });
  return fn.entries.filter((e) => files.has(e.name)).reduce((n, e) => n + e.size, 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
