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

/**
 * Validates the whole environment and reports every problem in one error, each naming the variable and the fix,
 * so an operator fixes a deployment in one round.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is required but not set.`);
    return v ?? '';
  };

  let veeamUrl = new URL('https://invalid.invalid');
  const rawUrl = need('VEEAM_URL');
  if (rawUrl) {
    try {
      veeamUrl = new URL(rawUrl);
      if (veeamUrl.protocol !== 'https:')
        problems.push(
          `VEEAM_URL must use https:// (got ${veeamUrl.protocol}); the appliance REST API listens on HTTPS, default port 11005.`,
        );
      else problems.push(...veeamUrlShapeProblems(rawUrl, veeamUrl));
    } catch {
      problems.push(
        `VEEAM_URL is not a valid URL: "${rawUrl}". Use the appliance REST base, e.g. https://10.0.1.10:11005`,
      );
    }
  }

  const preferred = env.VEEAM_API_VERSION?.trim() || DEFAULT_API_VERSIONS[0]!;
  if (!API_VERSION.test(preferred)) problems.push(`VEEAM_API_VERSION "${preferred}" is not of the form 1.8-rev0.`);
  const older = DEFAULT_API_VERSIONS.filter((v) => v !== preferred && compareApiVersions(v, preferred) < 0);
  const veeamApiVersions = [preferred, ...older];

  const veeamSecretId = need('VEEAM_SECRET_ID');

  let veeamCertSha256: string | undefined;
  const rawPin = env.VEEAM_CERT_SHA256?.trim();
  if (rawPin) {
    const hex = normaliseFingerprint(rawPin);
    if (/^[0-9a-f]{64}$/.test(hex)) veeamCertSha256 = hex;
    else
      problems.push(
        `VEEAM_CERT_SHA256 must be a SHA-256 fingerprint (64 hex digits, colons allowed), e.g. from: openssl x509 -in appliance.pem -noout -fingerprint -sha256`,
      );
  }

  const veeamPrincipalArn = need('VEEAM_PRINCIPAL_ARN');
  if (veeamPrincipalArn && !IAM_ROLE_ARN.test(veeamPrincipalArn)) {
    problems.push(
      `VEEAM_PRINCIPAL_ARN "${veeamPrincipalArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>) of the appliance's impersonation role.`,
    );
  }

  const memberRoleNames =
    env.MEMBER_ROLE_NAMES === undefined
      ? ['OrganizationAccountAccessRole', 'AWSControlTowerExecution']
      : list(env.MEMBER_ROLE_NAMES);
  if (memberRoleNames.length === 0)
    problems.push('MEMBER_ROLE_NAMES is empty; name at least one role to assume in member accounts.');
  for (const n of memberRoleNames)
    if (!ROLE_NAME.test(n)) problems.push(`MEMBER_ROLE_NAMES contains "${n}", which is not a valid IAM role name.`);

  const scopeOuIds = list(env.SCOPE_OU_IDS);
  for (const id of scopeOuIds)
    if (!OU_OR_ROOT.test(id))
      problems.push(
        `SCOPE_OU_IDS contains "${id}", which is neither a root id (r-xxxx) nor an OU id (ou-xxxx-xxxxxxxx).`,
      );

  const excluded = list(env.EXCLUDED_ACCOUNT_IDS);
  for (const id of excluded)
    if (!ACCOUNT_ID.test(id))
      problems.push(`EXCLUDED_ACCOUNT_IDS contains "${id}", which is not a 12-digit account id.`);

  const offboardMode = (env.OFFBOARD_MODE?.trim() || 'retain') as OffboardMode;
  if (!['retain', 'unregister', 'delete'].includes(offboardMode))
    problems.push(`OFFBOARD_MODE "${offboardMode}" must be one of retain, unregister, delete.`);

  const intSetting = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
    return n;
  };
  const boolSetting = (name: string, def: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return def;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    problems.push(`${name} must be true or false (got "${env[name]}").`);
    return def;
  };
  const externalIdMaxAgeDays = intSetting('EXTERNAL_ID_MAX_AGE_DAYS', 90, 1, 3650);
  // A rotation of both roles waits this once per role plus a rescan (at most RESCAN_TIMEOUT_MS each): 2 x (60 + 60) s
  // stays inside the worker's 300 s timeout, which holds one account request per invocation.
  const propagationWaitSeconds = intSetting('PROPAGATION_WAIT_SECONDS', 15, 0, 60);
  const concurrency = intSetting('SYNC_CONCURRENCY', 8, 1, 64);

  const backupRoleName = env.BACKUP_ROLE_NAME?.trim() || DEFAULT_BACKUP_ROLE_NAME;
  const workerRoleName = env.WORKER_ROLE_NAME?.trim() || DEFAULT_WORKER_ROLE_NAME;
  for (const [name, v] of [
    ['BACKUP_ROLE_NAME', backupRoleName],
    ['WORKER_ROLE_NAME', workerRoleName],
  ] as const) {
    if (!ROLE_NAME.test(v)) problems.push(`${name} "${v}" is not a valid IAM role name.`);
  }
  if (backupRoleName === workerRoleName) problems.push('BACKUP_ROLE_NAME and WORKER_ROLE_NAME must differ.');
  if (memberRoleNames.includes(backupRoleName) || memberRoleNames.includes(workerRoleName)) {
    problems.push(
      'MEMBER_ROLE_NAMES must not contain the roles this service creates (BACKUP_ROLE_NAME / WORKER_ROLE_NAME).',
    );
  }

  const installationId = env.INSTALLATION_ID?.trim() || DEFAULT_INSTALLATION_ID;
  if (!INSTALLATION_ID.test(installationId))
    problems.push(
      `INSTALLATION_ID "${installationId}" must be 1 to 32 letters, digits or "-" (stack parameter installationId).`,
    );
  // "true" is the managed-tag value written before installation ids: an installation with that id could not tell
  // its own roles from those of every installation that predates ids.
  if (installationId.toLowerCase() === 'true')
    problems.push(
      'INSTALLATION_ID "true" is reserved (roles tagged before installation ids carry it); choose another.',
    );
  const offboardMaxPerRun = intSetting('OFFBOARD_MAX_PER_RUN', 5, 0, 100_000);
  const includeManagementAccount = boolSetting('INCLUDE_MANAGEMENT_ACCOUNT', false);
  const memberAccess = (env.MEMBER_ACCESS?.trim() || 'dedicated') as MemberAccessMode;
  if (!['dedicated', 'existing'].includes(memberAccess))
    problems.push(`MEMBER_ACCESS "${memberAccess}" must be dedicated or existing (stack parameter memberAccess).`);
  const accessRoleName = env.ACCESS_ROLE_NAME?.trim() || DEFAULT_ACCESS_ROLE_NAME;
  if (!ROLE_NAME.test(accessRoleName))
    problems.push(`ACCESS_ROLE_NAME "${accessRoleName}" is not a valid IAM role name.`);
  if (accessRoleName === backupRoleName || accessRoleName === workerRoleName)
    problems.push(
      'ACCESS_ROLE_NAME must differ from BACKUP_ROLE_NAME and WORKER_ROLE_NAME: the access role manages those roles (stack parameter accessRoleName).',
    );
  const eventBusName = env.EVENT_BUS_NAME?.trim() || 'default';
  if (!/^[\w.\-/]{1,256}$/.test(eventBusName))
    problems.push(
      `EVENT_BUS_NAME "${eventBusName}" must be the name (not the ARN) of an event bus in this account and region (stack parameter eventBusName); forward to other buses with a rule.`,
    );

  const veeamMode = (env.VEEAM_MODE?.trim() || 'accounts') as VeeamMode;
  if (!['accounts', 'organization'].includes(veeamMode))
    problems.push(`VEEAM_MODE "${veeamMode}" must be accounts or organization (stack parameter veeamMode).`);
  const veeamRescanRoleArn = env.VEEAM_RESCAN_ROLE_ARN?.trim() || undefined;
  if (veeamRescanRoleArn && !IAM_ROLE_ARN.test(veeamRescanRoleArn))
    problems.push(
      `VEEAM_RESCAN_ROLE_ARN "${veeamRescanRoleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>); use the OrganizationRescanRoleArn output of the management stack (stack parameter veeamRescanRoleArn).`,
    );
  if (veeamMode === 'organization' && !veeamRescanRoleArn)
    problems.push(
      'VEEAM_RESCAN_ROLE_ARN is required when VEEAM_MODE=organization: set it to the Organization rescan role the management stack creates (output OrganizationRescanRoleArn; stack parameter veeamRescanRoleArn).',
    );
  const workerRoleEnabled = boolSetting('VEEAM_WORKER_ROLE_ENABLED', true);

  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';

  if (problems.length) throw new ConfigError(problems);
  return {
    veeamUrl,
    veeamApiVersions,
    veeamSecretId,
    ...(veeamCertSha256 ? { veeamCertSha256 } : {}),
    veeamPrincipalArn,
    memberRoleNames,
    scopeOuIds,
    excludedAccountIds: new Set(excluded),
    offboardMode,
    externalIdMaxAgeDays,
    backupRoleName,
    workerRoleName,
    region,
    propagationWaitSeconds,
    ...(env.ACCOUNT_QUEUE_URL?.trim() ? { accountQueueUrl: env.ACCOUNT_QUEUE_URL.trim() } : {}),
    ...(env.STATE_TABLE_NAME?.trim() ? { stateTableName: env.STATE_TABLE_NAME.trim() } : {}),
    concurrency,
    installationId,
    offboardMaxPerRun,
    includeManagementAccount,
    memberAccess,
    accessRoleName,
    eventBusName,
    veeamMode,
    ...(veeamRescanRoleArn ? { veeamRescanRoleArn } : {}),
    workerRoleEnabled,
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
