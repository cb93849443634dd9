import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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

/** `serverless package` into a fresh directory (offline, no credentials), returning the update-stack template. */
export async function packageTemplate(params: Record<string, string> = {}, cwd = ROOT): Promise<Template> {
  const out = mkdtempSync(join(tmpdir(), 'veeam-org-sync-package-'));
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
  await packagingAlone(cwd, () =>
    run(process.execPath, args, { cwd, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, timeout: 150_000 }),
  );
  const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  const state = JSON.parse(readFileSync(join(out, 'serverless-state.json'), 'utf8')) as {
    service: { provider: { stackParameters?: { ParameterKey: string; ParameterValue: string }[] } };
  };
  template.ParameterValues = Object.fromEntries(
    (state.service.provider.stackParameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]),
  );
  return template;
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
