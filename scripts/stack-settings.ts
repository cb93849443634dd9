/**
 * The settings of a stack as CloudFormation parameters, from its one definition (resources/service-parameters.yml,
 * management/parameters.yml, forwarder/parameters.yml): merged from the template defaults, the saved configuration
 * (config/<stage>.yml) and `--param` flags, checked against the parameters' own constraints and the template's Rules
 * (the checks CloudFormation makes, made before any AWS call) and, for the service, against lib/config.ts (the checks
 * the functions make when they start). Used by `serverless deploy` (resources/saved-config.cjs, resources/stack-
 * parameters.cjs), `npm run release -- --parameters` and the CLI's --stack mode (the region).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../lib/config';
import { ConfigError } from '../lib/errors';

export const ROOT = join(__dirname, '..');

export type StackKind = 'service' | 'management' | 'forwarder';

export interface ParameterSpec {
  Type: 'String' | 'Number' | 'CommaDelimitedList';
  Description?: string;
  Default?: string | number;
  AllowedPattern?: string;
  AllowedValues?: (string | number)[];
  MinValue?: number;
  MaxValue?: number;
  ConstraintDescription?: string;
}

export interface StackDefinition {
  kind: StackKind;
  Parameters: Record<string, ParameterSpec>;
  Rules: Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription: string }[] }>;
  Metadata?: Record<string, unknown>;
}

/** Where each stack's parameters are defined, and its section of config/<stage>.yml (the service: the top level). */
export const STACKS: Record<StackKind, { file: string; section?: string; service: string }> = {
  service: { file: 'resources/service-parameters.yml', service: 'veeam-org-sync' },
  management: { file: 'management/parameters.yml', section: 'management', service: 'veeam-org-sync-management' },
  forwarder: { file: 'forwarder/parameters.yml', section: 'forwarder', service: 'veeam-org-sync-forwarder' },
};

/**
 * Top-level keys of config/<stage>.yml that are not service stack parameters: where serverless deploys, the other
 * stacks' sections, and the code buckets of the release template (npm run release -- --parameters).
 */
/** Keys of a stack's section in config/<stage>.yml that are not parameters: settings of `serverless deploy` itself. */
const DEPLOY_SETTINGS = new Set(['deploymentBucket']);

const RESERVED = new Set(['region', 'management', 'forwarder', 'artifactBucketPrefix']);

export function stackKindOf(service: string): StackKind {
  const kind = (Object.keys(STACKS) as StackKind[]).find((k) => STACKS[k].service === service);
  if (!kind)
    throw new Error(
      `unknown service "${service}": expected one of ${Object.values(STACKS)
        .map((s) => s.service)
        .join(', ')}`,
    );
  return kind;
}

export function readStackDefinition(kind: StackKind, root = ROOT): StackDefinition {
  const doc = parse(readFileSync(join(root, STACKS[kind].file), 'utf8')) as Omit<StackDefinition, 'kind'>;
  return {
    kind,
    Parameters: doc.Parameters,
    Rules: doc.Rules ?? {},
    ...(doc.Metadata ? { Metadata: doc.Metadata } : {}),
  };
}

/** The key of a parameter in config/<stage>.yml and in --param: VeeamUrl -> veeamUrl. */
export const configKey = (parameter: string): string => parameter.charAt(0).toLowerCase() + parameter.slice(1);
export const parameterName = (key: string): string => key.charAt(0).toUpperCase() + key.slice(1);

export const savedConfigPath = (stage: string, root = ROOT): string => join(root, 'config', `${stage}.yml`);

export type SavedConfig = Record<string, unknown>;

/** config/<stage>.yml, or undefined when the stage has none. */
export function readSavedConfig(stage: string, root = ROOT): SavedConfig | undefined {
  if (!/^[a-zA-Z0-9-]+$/.test(stage)) throw new SettingsError([`stage "${stage}" must be letters, digits or "-".`]);
  const path = savedConfigPath(stage, root);
  if (!existsSync(path)) return undefined;
  const doc = parse(readFileSync(path, 'utf8')) as unknown;
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new SettingsError([`config/${stage}.yml must be a mapping of settings (key: value).`]);
  return doc as SavedConfig;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`Invalid settings (${problems.length}):\n- ${problems.join('\n- ')}`);
  }
}

export interface Resolved {
  /** Every parameter of the stack, by parameter name, as the string CloudFormation receives. */
  values: Record<string, string>;
  /** Where each value came from, for messages. */
  sources: Record<string, 'default' | 'config' | 'param'>;
}

function asText(key: string, v: unknown, problems: string[]): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(',');
  problems.push(`${key} must be a text, a number, true/false or a list of texts (got ${JSON.stringify(v)}).`);
  return undefined;
}

/** The problems CloudFormation would report for this value of the parameter (its own constraints). */
export function constraintProblems(name: string, spec: ParameterSpec, value: string): string[] {
  const key = configKey(name);
  const fix = spec.ConstraintDescription ? ` ${spec.ConstraintDescription}` : '';
  if (spec.AllowedValues && !spec.AllowedValues.map(String).includes(value))
    return [`${key} "${value}" must be one of ${spec.AllowedValues.join(', ')}.`];
  if (spec.Type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) return [`${key} "${value}" must be a number.`];
    if (spec.MinValue !== undefined && n < spec.MinValue) return [`${key} ${value} is below ${spec.MinValue}.`];
    if (spec.MaxValue !== undefined && n > spec.MaxValue) return [`${key} ${value} is above ${spec.MaxValue}.`];
  }
  // CloudFormation checks each member of a CommaDelimitedList against the pattern.
  const members = spec.Type === 'CommaDelimitedList' ? value.split(',') : [value];
  const pattern = spec.AllowedPattern && new RegExp(`^(?:${spec.AllowedPattern.replace(/^\^|\$$/g, '')})$`);
  const bad = pattern ? members.filter((m) => !pattern.test(m)) : [];
  if (bad.length) return [`${key} "${bad.join(',')}" does not match ${spec.AllowedPattern}.${fix}`];
  return [];
}

/**
 * The value of every parameter: `--param key=value` over the saved configuration over the template default. An
 * unknown key (a typo) is an error, never dropped.
 */
export function resolveSettings(
  def: StackDefinition,
  saved: SavedConfig | undefined,
  cli: Record<string, string>,
  stage = 'dev',
): Resolved {
  const problems: string[] = [];
  const section = STACKS[def.kind].section;
  let entries: SavedConfig = {};
  if (saved) {
    if (section) {
      const s = saved[section];
      if (s !== undefined && (typeof s !== 'object' || s === null || Array.isArray(s)))
        problems.push(`config/${stage}.yml: ${section} must be a mapping of settings.`);
      else entries = (s as SavedConfig | undefined) ?? {};
    } else entries = Object.fromEntries(Object.entries(saved).filter(([k]) => !RESERVED.has(k)));
  }
  const where = section ? `config/${stage}.yml (${section}:)` : `config/${stage}.yml`;
  const known = new Set(Object.keys(def.Parameters).map(configKey));
  for (const k of Object.keys(entries))
    if (!known.has(k) && !(section && DEPLOY_SETTINGS.has(k)))
      problems.push(`${where}: unknown setting ${k}. Known: ${[...known].join(', ')}.`);
  for (const k of Object.keys(cli))
    if (!known.has(k)) problems.push(`--param ${k}: unknown setting for ${STACKS[def.kind].service}.`);

  const values: Record<string, string> = {};
  const sources: Resolved['sources'] = {};
  for (const [name, spec] of Object.entries(def.Parameters)) {
    const key = configKey(name);
    let value: string | undefined;
    if (key in cli) {
      value = cli[key];
      sources[name] = 'param';
    } else if (key in entries) {
      value = entries[key] === null ? '' : asText(`${where}: ${key}`, entries[key], problems);
      sources[name] = 'config';
    } else {
      value = spec.Default === undefined ? undefined : String(spec.Default);
      sources[name] = 'default';
    }
    if (value === undefined) {
      if (spec.Default === undefined) problems.push(`${key} is required (no default): set it in ${where}.`);
      continue;
    }
    values[name] = value;
    if (sources[name] !== 'default') problems.push(...constraintProblems(name, spec, value));
  }
  if (problems.length) throw new SettingsError(problems);
  return { values, sources };
}

/** `--param` flags (key=value, as osls takes them) as a map. */
export function cliParams(param: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of param === undefined ? [] : Array.isArray(param) ? param : [param]) {
    const m = /^([^=]+)=(.*)$/.exec(item);
    if (m) out[m[1]!] = m[2]!.trimEnd();
  }
  return out;
}

export const toStackParameters = (values: Record<string, string>) =>
  Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

/** Evaluates a Rules condition or assertion (the functions Rules allow) with these parameter values. */
export function evaluateRule(expr: unknown, values: Record<string, string>): unknown {
  if (Array.isArray(expr)) return expr.map((x) => evaluateRule(x, values));
  if (typeof expr !== 'object' || expr === null) return expr;
  const [[fn, arg]] = Object.entries(expr) as [[string, unknown]];
  const ev = (x: unknown) => evaluateRule(x, values);
  const args = arg as unknown[];
  switch (fn) {
    case 'Ref':
      return values[arg as string];
    case 'Fn::Equals':
      return String(ev(args[0])) === String(ev(args[1]));
    case 'Fn::Not':
      return !ev(args[0]);
    case 'Fn::And':
      return args.every((x) => ev(x));
    case 'Fn::Or':
      return args.some((x) => ev(x));
    case 'Fn::Contains': {
      // A CommaDelimitedList parameter arrives as its comma-separated text.
      const list = ev(args[0]);
      return (typeof list === 'string' ? list.split(',') : (list as unknown[]).map(String)).includes(
        String(ev(args[1])),
      );
    }
    default:
      throw new Error(`Rules function ${fn} is not evaluated here`);
  }
}

/** The AssertDescription of every Rules assertion that fails: what CloudFormation would refuse the stack for. */
export function ruleProblems(def: StackDefinition, values: Record<string, string>): string[] {
  const out: string[] = [];
  for (const rule of Object.values(def.Rules)) {
    if (rule.RuleCondition !== undefined && !evaluateRule(rule.RuleCondition, values)) continue;
    for (const a of rule.Assertions) if (!evaluateRule(a.Assert, values)) out.push(a.AssertDescription);
  }
  return out;
}

/** The service parameters that are function settings (lib/config.ts), by environment variable. */
export const FUNCTION_SETTINGS: Record<string, string> = {
  VEEAM_URL: 'VeeamUrl',
  VEEAM_API_VERSION: 'VeeamApiVersion',
  VEEAM_SECRET_ID: 'VeeamSecretArn',
  VEEAM_CERT_SHA256: 'VeeamCertSha256',
  VEEAM_PRINCIPAL_ARN: 'VeeamPrincipalArn',
  INSTALLATION_ID: 'InstallationId',
  MEMBER_ACCESS: 'MemberAccess',
  ACCESS_ROLE_NAME: 'AccessRoleName',
  MEMBER_ROLE_NAMES: 'MemberRoleNames',
  INCLUDE_MANAGEMENT_ACCOUNT: 'IncludeManagementAccount',
  OFFBOARD_MAX_PER_RUN: 'OffboardMaxPerRun',
  EVENT_BUS_NAME: 'EventBusName',
  SCOPE_OU_IDS: 'ScopeOuIds',
  EXCLUDED_ACCOUNT_IDS: 'ExcludedAccountIds',
  OFFBOARD_MODE: 'OffboardMode',
  EXTERNAL_ID_MAX_AGE_DAYS: 'ExternalIdMaxAgeDays',
  BACKUP_ROLE_NAME: 'BackupRoleName',
  WORKER_ROLE_NAME: 'WorkerRoleName',
  PROPAGATION_WAIT_SECONDS: 'PropagationWaitSeconds',
  SYNC_CONCURRENCY: 'SyncConcurrency',
};

/** What the functions would refuse at start (lib/config.ts), each naming the setting as it is written in config. */
export function functionSettingProblems(values: Record<string, string>): string[] {
  const env = Object.fromEntries(Object.entries(FUNCTION_SETTINGS).map(([v, p]) => [v, values[p]]));
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) =>
      p.replace(/\b[A-Z][A-Z0-9_]+\b/g, (v) =>
        FUNCTION_SETTINGS[v] ? `${configKey(FUNCTION_SETTINGS[v])} (${v})` : v,
      ),
    );
  }
}

/** Every reason the stack would be refused (by CloudFormation or by the functions at start), before any AWS call. */
export function deployProblems(def: StackDefinition, values: Record<string, string>): string[] {
  const rules = ruleProblems(def, values);
  const functions = def.kind === 'service' ? functionSettingProblems(values) : [];
  // A required value left out is reported once, by its rule; lib/config.ts then says the same in its words.
  const said = new Set(rules.map((r) => r.split(' ')[0]));
  return [...rules, ...functions.filter((f) => !said.has(parameterName(f.split(' ')[0] ?? '')))];
}

/** The settings for `serverless` (resources/saved-config.cjs): parameters, plus the region saved for the stage. */
export function stackSettings(kind: StackKind, stage: string, param: string | string[] | undefined, root = ROOT) {
  const saved = readSavedConfig(stage, root);
  const def = readStackDefinition(kind, root);
  const { values } = resolveSettings(def, saved, cliParams(param), stage);
  const region = typeof saved?.region === 'string' ? saved.region : undefined;
  const section = STACKS[kind].section;
  const own = section ? (saved?.[section] as SavedConfig | undefined) : undefined;
  const deploymentBucket = typeof own?.deploymentBucket === 'string' ? own.deploymentBucket : undefined;
  return { def, values, region, deploymentBucket, savedFile: saved ? savedConfigPath(stage, root) : undefined };
}
