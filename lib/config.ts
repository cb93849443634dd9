import * as z from 'zod/mini';
import { ACCOUNT_ID } from './account-id';
import { ConfigError } from './errors';
import { normaliseFingerprint } from './tls-fingerprint';

export type OffboardMode = 'retain' | 'unregister' | 'delete';
/** How the service gets into member accounts: its own narrow access role (StackSet) or existing admin roles. */
export type MemberAccessMode = 'dedicated' | 'existing';
/**
 * How the appliance learns of member accounts: one "IAM role from another account" entry per account and role, with
 * external IDs (`accounts`), or the AWS Organization added once with a rescan role, same-named roles in every account
 * and an organization rescan after changes (`organization`, VBAWS 9 and later).
 */
export type VeeamMode = 'accounts' | 'organization';

/** The configuration contract shared by every function, the CLI and the sandbox. */
export interface Config {
  veeamUrl: URL;
  /** Preferred version first, then older ones to fall back on. */
  veeamApiVersions: string[];
  veeamSecretId: string;
  /** Lower-case hex SHA-256 of the appliance certificate (DER), or undefined for normal CA checks. */
  veeamCertSha256?: string;
  veeamPrincipalArn: string;
  memberRoleNames: string[];
  /** Roots/OUs whose accounts are in scope; empty = whole organization. */
  scopeOuIds: string[];
  excludedAccountIds: Set<string>;
  offboardMode: OffboardMode;
  externalIdMaxAgeDays: number;
  backupRoleName: string;
  workerRoleName: string;
  region: string;
  /** Seconds to let IAM propagate a widened trust before Veeam is told the new external ID. */
  propagationWaitSeconds: number;
  /** Only set in Lambda: the account queue the reconcile/rotate functions fan out through. */
  accountQueueUrl?: string;
  /**
   * The stack's state table (offboarding budget, pending rescan, what was announced). Absent when the CLI runs
   * in-process against an organization without the stack: paths that need shared state then hold what they guard.
   */
  stateTableName?: string;
  /** Bounded in-process concurrency (CLI / sandbox / reconcile reads). */
  concurrency: number;
  /** Names this installation in ownership tags and Veeam markers; it touches only what carries its own id. */
  installationId: string;
  /** A reconcile that would offboard more accounts than this offboards none and fails visibly. */
  offboardMaxPerRun: number;
  /** The management account is out of scope unless this is true. */
  includeManagementAccount: boolean;
  memberAccess: MemberAccessMode;
  /** The dedicated member-access role the StackSet deploys (memberAccess = dedicated). */
  accessRoleName: string;
  /** Where lifecycle events (Account Protected, ...) are put. */
  eventBusName: string;
  /** accounts (default): per-account entries with external IDs; organization: roles only, one organization rescan. */
  veeamMode: VeeamMode;
  /**
   * organization mode: the Organization rescan role the management stack creates; its entry in the appliance is the
   * one an organization rescan names (rescanIamRoleId).
   */
  veeamRescanRoleArn?: string;
  /** false: no worker role (and instance profile) in member accounts; the backup role alone. */
  workerRoleEnabled: boolean;
}

export const DEFAULT_BACKUP_ROLE_NAME = 'VeeamBackupRole';
export const DEFAULT_WORKER_ROLE_NAME = 'VeeamWorkerRole';

// Newest first: 1.9-rev0 is the REST revision of the current appliance generation (version 11).
const DEFAULT_API_VERSIONS = [
  '1.9-rev0',
  '1.8-rev0',
  '1.7-rev1',
  '1.7-rev0',
  '1.6-rev0',
  '1.5-rev1',
  '1.5-rev0',
  '1.4-rev0',
  '1.3-rev0',
];

export const DEFAULT_INSTALLATION_ID = 'veeam-org-sync';
export const DEFAULT_ACCESS_ROLE_NAME = 'VeeamOrgSyncAccess';

const INSTALLATION_ID = /^[A-Za-z0-9-]{1,32}$/;
const OU_OR_ROOT = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const API_VERSION = /^\d+\.\d+-rev\d+$/;

type Env = Record<string, string | undefined>;

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One setting: its raw text (trimmed, undefined when empty) in, its typed value out, or issues naming the fix. */
type Ctx = { issues: unknown[] };
function setting<T>(read: (raw: string | undefined, problem: (message: string) => void) => T) {
  return z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined, ctx: Ctx) =>
      read(value?.trim() || undefined, (message) => ctx.issues.push({ code: 'custom', message, input: value })),
    ),
  );
}

const required = (name: string) =>
  setting((raw, problem) => {
    if (!raw) problem(`${name} is required but not set.`);
    return raw ?? '';
  });

const whole = (name: string, def: number, min: number, max: number) =>
  setting((raw, problem) => {
    if (!raw) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      problem(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
    return n;
  });

const flag = (name: string, def: boolean) =>
  setting((raw, problem) => {
    if (!raw) return def;
    if (raw.toLowerCase() === 'true' || raw.toLowerCase() === 'false') return raw.toLowerCase() === 'true';
    problem(`${name} must be true or false (got "${raw}").`);
    return def;
  });

const oneOf = <T extends string>(name: string, values: readonly T[], def: T, hint = '') =>
  setting((raw, problem) => {
    const v = (raw ?? def) as T;
    if (!values.includes(v))
      problem(
        values.length === 2
          ? `${name} "${v}" must be ${values[0]} or ${values[1]}${hint}.`
          : `${name} "${v}" must be one of ${values.join(', ')}${hint}.`,
      );
    return v;
  });

const roleName = (name: string, def: string, hint = '') =>
  setting((raw, problem) => {
    const v = raw ?? def;
    if (!ROLE_NAME.test(v)) problem(`${name} "${v}" is not a valid IAM role name${hint}.`);
    return v;
  });

const veeamUrlSetting = setting((raw, problem) => {
  if (!raw) {
    problem('VEEAM_URL is required but not set.');
    return new URL('https://invalid.invalid');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problem(`VEEAM_URL is not a valid URL: "${raw}". Use the appliance REST base, e.g. https://10.0.1.10:11005`);
    return new URL('https://invalid.invalid');
  }
  if (url.protocol !== 'https:')
    problem(
      `VEEAM_URL must use https:// (got ${url.protocol}); the appliance REST API listens on HTTPS, default port 11005.`,
    );
  else veeamUrlShapeProblems(raw, url).forEach(problem);
  return url;
});

const apiVersionsSetting = setting((raw, problem) => {
  const preferred = raw ?? DEFAULT_API_VERSIONS[0]!;
  if (!API_VERSION.test(preferred)) problem(`VEEAM_API_VERSION "${preferred}" is not of the form 1.8-rev0.`);
  const older = DEFAULT_API_VERSIONS.filter((v) => v !== preferred && compareApiVersions(v, preferred) < 0);
  return [preferred, ...older];
});

const certPinSetting = setting((raw, problem) => {
  if (!raw) return undefined;
  const hex = normaliseFingerprint(raw);
  if (/^[0-9a-f]{64}$/.test(hex)) return hex;
  problem(
    'VEEAM_CERT_SHA256 must be a SHA-256 fingerprint (64 hex digits, colons allowed), e.g. from: openssl x509 -in appliance.pem -noout -fingerprint -sha256',
  );
  return undefined;
});

const principalArnSetting = setting((raw, problem) => {
  if (!raw) problem('VEEAM_PRINCIPAL_ARN is required but not set.');
  else if (!IAM_ROLE_ARN.test(raw))
    problem(
      `VEEAM_PRINCIPAL_ARN "${raw}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>) of the appliance's impersonation role.`,
    );
  return raw ?? '';
});

const rescanRoleArnSetting = setting((raw, problem) => {
  if (raw && !IAM_ROLE_ARN.test(raw))
    problem(
      `VEEAM_RESCAN_ROLE_ARN "${raw}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>); use the OrganizationRescanRoleArn output of the management stack (stack parameter veeamRescanRoleArn).`,
    );
  return raw;
});

// Unset means the default pair; set but empty is a mistake worth naming.
const memberRoleNamesSetting = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined, ctx: Ctx) => {
    const names = value === undefined ? ['OrganizationAccountAccessRole', 'AWSControlTowerExecution'] : list(value);
    const problem = (message: string) => ctx.issues.push({ code: 'custom', message, input: value });
    if (names.length === 0) problem('MEMBER_ROLE_NAMES is empty; name at least one role to assume in member accounts.');
    for (const n of names)
      if (!ROLE_NAME.test(n)) problem(`MEMBER_ROLE_NAMES contains "${n}", which is not a valid IAM role name.`);
    return names;
  }),
);

const idList = (name: string, pattern: RegExp, what: string) =>
  setting((raw, problem) => {
    const ids = list(raw);
    for (const id of ids) if (!pattern.test(id)) problem(`${name} contains "${id}", which ${what}.`);
    return ids;
  });

const installationIdSetting = setting((raw, problem) => {
  const v = raw ?? DEFAULT_INSTALLATION_ID;
  if (!INSTALLATION_ID.test(v))
    problem(`INSTALLATION_ID "${v}" must be 1 to 32 letters, digits or "-" (stack parameter installationId).`);
  // "true" is the managed-tag value written before installation ids: an installation with that id could not tell
  // its own roles from those of every installation that predates ids.
  else if (v.toLowerCase() === 'true')
    problem('INSTALLATION_ID "true" is reserved (roles tagged before installation ids carry it); choose another.');
  return v;
});

const eventBusSetting = setting((raw, problem) => {
  const v = raw ?? 'default';
  if (!/^[\w.\-/]{1,256}$/.test(v))
    problem(
      `EVENT_BUS_NAME "${v}" must be the name (not the ARN) of an event bus in this account and region (stack parameter eventBusName); forward to other buses with a rule.`,
    );
  return v;
});

const optionalText = setting((raw) => raw);

/**
 * Every setting, in the order its problems are reported. Each reads its variable alone; the rules between settings
 * (different role names) follow in `crossChecks`.
 */
const environment = z.object({
  VEEAM_URL: veeamUrlSetting,
  VEEAM_API_VERSION: apiVersionsSetting,
  VEEAM_SECRET_ID: required('VEEAM_SECRET_ID'),
  VEEAM_CERT_SHA256: certPinSetting,
  VEEAM_PRINCIPAL_ARN: principalArnSetting,
  MEMBER_ROLE_NAMES: memberRoleNamesSetting,
  SCOPE_OU_IDS: idList('SCOPE_OU_IDS', OU_OR_ROOT, 'is neither a root id (r-xxxx) nor an OU id (ou-xxxx-xxxxxxxx)'),
  EXCLUDED_ACCOUNT_IDS: idList('EXCLUDED_ACCOUNT_IDS', ACCOUNT_ID, 'is not a 12-digit account id'),
  OFFBOARD_MODE: oneOf<OffboardMode>('OFFBOARD_MODE', ['retain', 'unregister', 'delete'], 'retain'),
  EXTERNAL_ID_MAX_AGE_DAYS: whole('EXTERNAL_ID_MAX_AGE_DAYS', 90, 1, 3650),
  // A rotation of both roles waits this once per role plus a rescan (at most RESCAN_TIMEOUT_MS each): 2 x (60 + 60) s
  // stays inside the worker's 300 s timeout, which holds one account request per invocation.
  PROPAGATION_WAIT_SECONDS: whole('PROPAGATION_WAIT_SECONDS', 15, 0, 60),
  SYNC_CONCURRENCY: whole('SYNC_CONCURRENCY', 8, 1, 64),
  BACKUP_ROLE_NAME: roleName('BACKUP_ROLE_NAME', DEFAULT_BACKUP_ROLE_NAME),
  WORKER_ROLE_NAME: roleName('WORKER_ROLE_NAME', DEFAULT_WORKER_ROLE_NAME),
  INSTALLATION_ID: installationIdSetting,
  OFFBOARD_MAX_PER_RUN: whole('OFFBOARD_MAX_PER_RUN', 5, 0, 100_000),
  INCLUDE_MANAGEMENT_ACCOUNT: flag('INCLUDE_MANAGEMENT_ACCOUNT', false),
  MEMBER_ACCESS: oneOf<MemberAccessMode>(
    'MEMBER_ACCESS',
    ['dedicated', 'existing'],
    'dedicated',
    ' (stack parameter memberAccess)',
  ),
  ACCESS_ROLE_NAME: roleName('ACCESS_ROLE_NAME', DEFAULT_ACCESS_ROLE_NAME),
  EVENT_BUS_NAME: eventBusSetting,
  VEEAM_MODE: oneOf<VeeamMode>('VEEAM_MODE', ['accounts', 'organization'], 'accounts', ' (stack parameter veeamMode)'),
  VEEAM_RESCAN_ROLE_ARN: rescanRoleArnSetting,
  VEEAM_WORKER_ROLE_ENABLED: flag('VEEAM_WORKER_ROLE_ENABLED', true),
  ACCOUNT_QUEUE_URL: optionalText,
  STATE_TABLE_NAME: optionalText,
  AWS_REGION: optionalText,
  AWS_DEFAULT_REGION: optionalText,
});

/** The variables this configuration reads: the contract the templates give each converging function. */
export const CONFIG_VARIABLES = Object.keys(environment.shape).filter((name) => !name.startsWith('AWS_'));

/** The settings the rules between settings read: checked whenever these are valid, whatever else is wrong. */
const related = z.pick(environment, {
  BACKUP_ROLE_NAME: true,
  WORKER_ROLE_NAME: true,
  MEMBER_ROLE_NAMES: true,
  ACCESS_ROLE_NAME: true,
  VEEAM_MODE: true,
  VEEAM_RESCAN_ROLE_ARN: true,
});

/** The rules between settings; checked once the settings they read are valid on their own. */
function crossChecks(s: z.infer<typeof related>): string[] {
  const problems: string[] = [];
  if (s.BACKUP_ROLE_NAME === s.WORKER_ROLE_NAME) problems.push('BACKUP_ROLE_NAME and WORKER_ROLE_NAME must differ.');
  if (s.MEMBER_ROLE_NAMES.includes(s.BACKUP_ROLE_NAME) || s.MEMBER_ROLE_NAMES.includes(s.WORKER_ROLE_NAME))
    problems.push(
      'MEMBER_ROLE_NAMES must not contain the roles this service creates (BACKUP_ROLE_NAME / WORKER_ROLE_NAME).',
    );
  if (s.ACCESS_ROLE_NAME === s.BACKUP_ROLE_NAME || s.ACCESS_ROLE_NAME === s.WORKER_ROLE_NAME)
    problems.push(
      'ACCESS_ROLE_NAME must differ from BACKUP_ROLE_NAME and WORKER_ROLE_NAME: the access role manages those roles (stack parameter accessRoleName).',
    );
  if (s.VEEAM_MODE === 'organization' && !s.VEEAM_RESCAN_ROLE_ARN)
    problems.push(
      'VEEAM_RESCAN_ROLE_ARN is required when VEEAM_MODE=organization: set it to the Organization rescan role the management stack creates (output OrganizationRescanRoleArn; stack parameter veeamRescanRoleArn).',
    );
  return problems;
}

/**
 * Validates the whole environment and reports every problem in one error, each naming the variable and the fix,
 * so an operator fixes a deployment in one round.
 */
export function loadConfig(env: Env = process.env): Config {
  const parsed = environment.safeParse(env);
  const relatedSettings = parsed.success ? parsed : related.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => i.message)),
    ...(relatedSettings.success ? crossChecks(relatedSettings.data) : []),
  ];
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  const s = parsed.data;
  return {
    veeamUrl: s.VEEAM_URL,
    veeamApiVersions: s.VEEAM_API_VERSION,
    veeamSecretId: s.VEEAM_SECRET_ID,
    ...(s.VEEAM_CERT_SHA256 ? { veeamCertSha256: s.VEEAM_CERT_SHA256 } : {}),
    veeamPrincipalArn: s.VEEAM_PRINCIPAL_ARN,
    memberRoleNames: s.MEMBER_ROLE_NAMES,
    scopeOuIds: s.SCOPE_OU_IDS,
    excludedAccountIds: new Set(s.EXCLUDED_ACCOUNT_IDS),
    offboardMode: s.OFFBOARD_MODE,
    externalIdMaxAgeDays: s.EXTERNAL_ID_MAX_AGE_DAYS,
    backupRoleName: s.BACKUP_ROLE_NAME,
    workerRoleName: s.WORKER_ROLE_NAME,
    region: s.AWS_REGION ?? s.AWS_DEFAULT_REGION ?? 'us-east-1',
    propagationWaitSeconds: s.PROPAGATION_WAIT_SECONDS,
    ...(s.ACCOUNT_QUEUE_URL ? { accountQueueUrl: s.ACCOUNT_QUEUE_URL } : {}),
    ...(s.STATE_TABLE_NAME ? { stateTableName: s.STATE_TABLE_NAME } : {}),
    concurrency: s.SYNC_CONCURRENCY,
    installationId: s.INSTALLATION_ID,
    offboardMaxPerRun: s.OFFBOARD_MAX_PER_RUN,
    includeManagementAccount: s.INCLUDE_MANAGEMENT_ACCOUNT,
    memberAccess: s.MEMBER_ACCESS,
    accessRoleName: s.ACCESS_ROLE_NAME,
    eventBusName: s.EVENT_BUS_NAME,
    veeamMode: s.VEEAM_MODE,
    ...(s.VEEAM_RESCAN_ROLE_ARN ? { veeamRescanRoleArn: s.VEEAM_RESCAN_ROLE_ARN } : {}),
    workerRoleEnabled: s.VEEAM_WORKER_ROLE_ENABLED,
  };
}

/**
 * The appliance listens on 11005, not 443, and the client appends /api/v1/... itself: a URL without its port or with
 * a path would fail later, far from the setting (a doubled /api/v1/api/v1, or a timeout on 443).
 */
function veeamUrlShapeProblems(raw: string, url: URL): string[] {
  const problems: string[] = [];
  const host = url.port ? url.host : `${url.host}:11005`;
  const fix = `use https://${host}, the REST base without /api/v1`;
  // new URL() drops a default port (443), so an explicit ":443" is read from the text itself.
  if (!/^https:\/\/(\[[^\]]*\]|[^/:?#]*):\d+/i.test(raw))
    problems.push(`VEEAM_URL "${raw}" has no port; the appliance REST API listens on 11005: ${fix}.`);
  if (url.pathname !== '/' || url.search || url.hash)
    problems.push(`VEEAM_URL "${raw}" has a path or query ("${url.pathname}${url.search}"): ${fix}.`);
  return problems;
}

/** Negative when a is older than b ("1.7-rev1" < "1.8-rev0"). */
export function compareApiVersions(a: string, b: string): number {
  const parse = (v: string) => v.split(/[.-]rev|\./).map((n) => Number.parseInt(n.replace(/\D/g, ''), 10) || 0);
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

let cached: Config | undefined;
/** Validated once per cold start; a ConfigError is rethrown on every invocation so each one reports it. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
