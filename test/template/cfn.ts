import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { stackSettings, toStackParameters, type StackKind } from '../../scripts/stack-settings';

export const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const SERVERLESS_BIN = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');

export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Condition?: string }>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
  Parameters?: Record<string, { Type: string; Default?: string | number }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  /** Not CloudFormation: the values `serverless deploy` passes (provider.stackParameters), by parameter name. */
  ParameterValues?: Record<string, string>;
  /** Not CloudFormation: the parameters of the core template osls creates a new stack from (create-stack). */
  CoreParameters?: string[];
}

/**
 * Runs `work` (a `serverless package` or `deploy` in `serviceDir`) while no other test packages there. osls builds every
 * package in <serviceDir>/.serverless and only then moves it to `--package`, so two at once in one service folder
 * delete each other's files (jest runs the template tests in parallel workers). The lock is a folder holding the
 * owner's pid: a lock whose owner is gone (a killed run) is taken over at once, by one waiter only (the rename).
 */
export async function packagingAlone<T>(serviceDir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(serviceDir, '.serverless.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      if (!ownerAlive(lock)) {
        const aside = `${lock}.stale-${process.pid}`;
        try {
          renameSync(lock, aside);
          rmSync(aside, { recursive: true, force: true });
        } catch {
          // Another waiter took it over first.
        }
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function ownerAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // No pid yet: just created (alive), unless its owner died in between, seconds ago.
    const created = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    return created === undefined || Date.now() - created < 10_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * What a packaged template is made of: a change to any of these files is a new template (lib included: the saved
 * configuration is checked by lib/config.ts, and the access role template comes from the blueprints).
 */
const TEMPLATE_SOURCES = [
  'serverless.yml',
  'resources',
  'events',
  'management',
  'forwarder',
  'esbuild-plugins.cjs',
  'package.json',
  // Saved configurations (config/<stage>.yml) and the scripts that turn them and the blueprints into parameters.
  'config',
  'scripts',
  'lib',
];
/** Packaged templates by service folder and sources, shared by jest workers and by later runs. */
const CACHE_DIR = join(tmpdir(), 'veeam-org-sync-templates');
/** Changes when what packageInto keeps changes, so that older cached entries are not read. */
const CACHE_FORMAT = 2;

let sources: string | undefined;
function sourcesHash(): string {
  if (sources) return sources;
  const hash = createHash('sha256');
  const add = (path: string): void => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else if (stat?.isFile()) hash.update(`${relative(ROOT, path)}\0`).update(readFileSync(path));
  };
  for (const source of TEMPLATE_SOURCES) add(join(ROOT, source));
  return (sources = hash.digest('hex'));
}

function readCached(file: string): Template | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Template;
  } catch {
    return undefined;
  }
}

/** The stack whose serverless.yml is in `cwd` (the service at the root, management/ and forwarder/). */
const KIND_OF_FOLDER: Record<string, StackKind> = { '': 'service', management: 'management', forwarder: 'forwarder' };

/**
 * The update-stack template of `serverless package` (offline, no credentials) in `cwd`, with the stack parameter
 * values `--param` would give it. Every setting is a CloudFormation parameter, so the template itself does not depend
 * on the values (only its artifact keys carry the packaging time): each service folder is packaged once per change of
 * the template sources (cached in CACHE_DIR, for every jest worker and later runs), and a variant's values are what
 * serverless.yml computes for them (resources/saved-config.cjs → stackSettings). test/template/param-values.test.ts
 * checks a real `--param` packaging against that.
 */
export async function packageTemplate(params: Record<string, string> = {}, cwd = ROOT): Promise<Template> {
  const packaged = await packageOnce(cwd);
  if (Object.keys(params).length === 0) return packaged;
  return { ...structuredClone(packaged), ParameterValues: stackParameterValues(params, cwd) };
}

/** The template as serverless wrote it, without what the tests keep beside it (ParameterValues, CoreParameters). */
export function asWritten(template: Template): Omit<Template, 'ParameterValues' | 'CoreParameters'> {
  const { ParameterValues: _values, CoreParameters: _core, ...written } = template;
  return written;
}

/** What `serverless package --stage dev --param k=v ...` passes as stack parameters, by parameter name. */
export function stackParameterValues(params: Record<string, string>, cwd = ROOT): Record<string, string> {
  const kind = KIND_OF_FOLDER[relative(ROOT, cwd)];
  if (!kind) throw new Error(`${cwd} holds none of the three stacks`);
  const param = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  return Object.fromEntries(
    toStackParameters(stackSettings(kind, 'dev', param).values).map((p) => [p.ParameterKey, p.ParameterValue]),
  );
}

/** `serverless package` of a service folder with no --param, once per change of the template sources. */
async function packageOnce(cwd: string): Promise<Template> {
  const key = createHash('sha256')
    .update(JSON.stringify({ service: relative(ROOT, cwd), sources: sourcesHash(), cache: CACHE_FORMAT }))
    .digest('hex')
    .slice(0, 32);
  const file = join(CACHE_DIR, `${key}.json`);
  const hit = readCached(file);
  if (hit) return hit;
  // Inside the lock: another worker may have packaged this folder while we waited.
  return packagingAlone(cwd, async () => readCached(file) ?? (await packageInto(file, {}, cwd)));
}

/** A real `serverless package --param ...` (not cached): what packageTemplate's computed values are checked against. */
export async function packageWithParams(params: Record<string, string>, cwd = ROOT): Promise<Template> {
  const out = mkdtempSync(join(tmpdir(), 'veeam-org-sync-params-'));
  try {
    return await packagingAlone(cwd, () => packageInto(join(out, 'template.json'), params, cwd));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function packageInto(file: string, params: Record<string, string>, cwd: string): Promise<Template> {
  const out = mkdtempSync(join(tmpdir(), 'veeam-org-sync-package-'));
  try {
    const args = [
      SERVERLESS_BIN,
      'package',
      '--stage',
      'dev',
      '--package',
      out,
      ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`),
    ];
    // The CLI itself, not npx: on a bundling error osls prints the error and then never exits, and the timeout must
    // kill the process that hangs.
    await run(process.execPath, args, { cwd, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, timeout: 150_000 });
    const template = JSON.parse(
      readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    const state = JSON.parse(readFileSync(join(out, 'serverless-state.json'), 'utf8')) as {
      service: { provider: { stackParameters?: { ParameterKey: string; ParameterValue: string }[] } };
    };
    // The values a deployment passes (serverless deploy's stack parameters), kept with the template they go to.
    template.ParameterValues = Object.fromEntries(
      (state.service.provider.stackParameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    const core = JSON.parse(readFileSync(join(out, 'cloudformation-template-create-stack.json'), 'utf8')) as Template;
    template.CoreParameters = Object.keys(core.Parameters ?? {});
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed: a reader never sees half a template.
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(template));
    renameSync(partial, file);
    return template;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** A parameter's value as a deployment with these values sees it (a CommaDelimitedList is a list). */
function parameterValue(template: Template, name: string): unknown {
  const spec = template.Parameters?.[name];
  if (!spec) return undefined;
  const raw = template.ParameterValues?.[name] ?? (spec.Default === undefined ? undefined : String(spec.Default));
  return spec.Type === 'CommaDelimitedList' && raw !== undefined ? raw.split(',') : raw;
}

const NO_VALUE = Symbol('AWS::NoValue');
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Evaluates the intrinsic functions this stack uses, as CloudFormation would with the template's own parameters
 * baked in: Ref (pseudo parameters; resources become "ref:<Id>"), Fn::GetAtt ("<Id>.<Attr>"), Fn::Sub, Fn::Join,
 * Fn::Split, Fn::If/Equals/Not with the template's Conditions. Assertions then read plain values.
 */
export function evaluate(template: Template, value: unknown): unknown {
  const conditions: Record<string, boolean> = {};
  const cond = (name: string): boolean => (conditions[name] ??= Boolean(ev(template.Conditions?.[name])));
  function ev(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(ev).filter((x) => x !== NO_VALUE);
    if (!isObject(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const a = v[k];
      switch (k) {
        case 'Ref':
          return a === 'AWS::NoValue'
            ? NO_VALUE
            : (PSEUDO[a as string] ?? parameterValue(template, a as string) ?? `ref:${String(a)}`);
        case 'Fn::GetAtt':
          return (a as string[]).join('.');
        case 'Fn::Join': {
          const [d, list] = a as [string, unknown];
          return (ev(list) as unknown[]).join(d);
        }
        case 'Fn::Split': {
          const [d, s] = a as [string, unknown];
          return String(ev(s)).split(d);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(a) ? a : [a, {}]) as [string, Record<string, unknown>];
          return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) =>
            String(name in vars ? ev(vars[name]) : (PSEUDO[name] ?? parameterValue(template, name) ?? name)),
          );
        }
        case 'Fn::FindInMap': {
          const [map, key, attr] = (a as unknown[]).map(ev) as [string, string, string];
          return template.Mappings?.[map]?.[key]?.[attr];
        }
        case 'Fn::If': {
          const [c, yes, no] = a as [string, unknown, unknown];
          return ev(cond(c) ? yes : no);
        }
        case 'Fn::Equals': {
          const [x, y] = a as [unknown, unknown];
          return JSON.stringify(ev(x)) === JSON.stringify(ev(y));
        }
        case 'Fn::Not':
          return !(ev((a as unknown[])[0]) as boolean);
        case 'Fn::And':
          return (a as unknown[]).every((x) => ev(x) as boolean);
        case 'Fn::Or':
          return (a as unknown[]).some((x) => ev(x));
        case 'Fn::Contains': {
          const [list, x] = a as [unknown, unknown];
          return (ev(list) as unknown[]).includes(ev(x));
        }
        case 'Condition':
          return cond(a as string);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = ev(x);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }
  return ev(value);
}

/** Is the resource created (its Condition, if any, holds)? */
export function deployed(template: Template, id: string): boolean {
  const c = template.Resources[id]?.Condition;
  return template.Resources[id] !== undefined && (c === undefined || evaluate(template, { Condition: c }) === true);
}

export function resourcesOfType(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, evaluate(template, r.Properties) as Record<string, unknown>]);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement of a role, evaluated. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const role = evaluate(template, template.Resources[roleId]?.Properties) as {
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  };
  return (role.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
}
