/**
 * Generates the IAM roles' documentation (docs/roles.md, between <!-- roles:begin --> and <!-- roles:end -->) from the
 * blueprints, so it cannot drift from what the service deploys. `npx tsx scripts/role-docs.ts` rewrites that block in
 * place (`--print` prints it instead); test/roles/role-docs.test.ts fails when the file's block differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BACKUP_ROLE_NAME, DEFAULT_WORKER_ROLE_NAME } from '../lib/config';
import { blueprints } from '../lib/roles/blueprints';
import { renderPolicy } from '../lib/roles/policies';
import {
  ACCESS_POLICY_NAME,
  accessPolicyStatements,
  BOUNDARY_POLICY_NAME,
  boundaryActions,
  boundaryDocument,
} from '../lib/roles/access-template';
import { policySize } from '../lib/roles/policy-document';
import { MANAGED_TAG, BLUEPRINT_TAG, TAG_PREFIX } from '../lib/roles/tags';
import { APPLIANCE_SID } from '../lib/roles/trust';
import type { RoleBlueprint } from '../lib/roles/types';

export const ROLES_BEGIN = '<!-- roles:begin -->';
export const ROLES_END = '<!-- roles:end -->';

/** Setting that names each blueprint's role, by key; a new blueprint without an entry shows its default name only. */
const NAME_SETTING: Record<string, string> = { backup: 'BACKUP_ROLE_NAME', worker: 'WORKER_ROLE_NAME' };

function byService(actions: readonly string[]): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const a of actions) {
    const [service, name] = a.split(':') as [string, string];
    groups.set(service, [...(groups.get(service) ?? []), name]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, names]) => [s, [...new Set(names)].sort()]);
}

function renderRole(bp: RoleBlueprint): string {
  const setting = NAME_SETTING[bp.key];
  const actions = bp.policies.flatMap((p) => p.statements.flatMap((s) => [...s.actions]));
  const lines = [
    `### \`${bp.roleName}\` (blueprint \`${bp.key}\`)`,
    '',
    `${bp.description}.`,
    '',
    `- Name: ${setting ? `\`${setting}\` (default \`${bp.roleName}\`)` : `\`${bp.roleName}\``}`,
    `- Matches Veeam Backup for AWS ${bp.veeamVersion}`,
    `- Trust: the appliance role (\`VEEAM_PRINCIPAL_ARN\`) with \`sts:AssumeRole\` only when \`sts:ExternalId\` equals one of the accepted IDs (statement \`${APPLIANCE_SID}\`)` +
      (bp.trustServices.length ? `; also ${bp.trustServices.map((s) => `\`${s}\``).join(', ')}` : ''),
    `- Instance profile: ${bp.instanceProfile ? `yes, \`${bp.roleName}\`, containing only this role` : 'no'}`,
    `- Registered in Veeam as an IAM role from another account: ${bp.register ? 'yes' : 'no'}`,
    `- Inline policies (deleted with the role): ${bp.policies.map((p) => `\`${p.name}\` (${policySize(renderPolicy(p))} characters)`).join(', ')}`,
    '',
    `${new Set(actions).size} actions, all on \`Resource: "*"\`:`,
    '',
    '| service | actions |',
    '|---|---|',
    ...byService(actions).map(([service, names]) => `| \`${service}\` | ${names.join(', ')} |`),
  ];
  return lines.join('\n');
}

/** A template value as a reader sees it: Fn::Sub with the settings named. */
function cfnText(v: unknown): string {
  if (Array.isArray(v)) return v.map(cfnText).join(', ');
  const o = (v ?? {}) as Record<string, unknown>;
  // The boundary's name is per installation (Fn::If DefaultInstallation): shown as the default installation's.
  if (Array.isArray(o['Fn::If'])) return cfnText((o['Fn::If'] as unknown[])[1]);
  if (o.Ref === 'InstallationId') return '`<INSTALLATION_ID>`';
  const sub = o['Fn::Sub'];
  const text = typeof sub === 'string' ? sub : String(v);
  return `\`${text
    .replace('${AWS::Partition}', 'aws')
    .replace('${AWS::AccountId}', '<account>')
    .replace('${BackupRoleName}', '<BACKUP_ROLE_NAME>')
    .replace('${WorkerRoleName}', '<WORKER_ROLE_NAME>')
    .replace('${InstallationId}', '<INSTALLATION_ID>')}\``;
}

/** The dedicated access role and the boundary, from the same data as the StackSet template. */
function renderAccess(bps: readonly RoleBlueprint[]): string {
  const statements = accessPolicyStatements();
  return [
    `### \`VeeamOrgSyncAccess\`: how the service gets in (\`MEMBER_ACCESS=dedicated\`, the default)`,
    '',
    `- Name: \`ACCESS_ROLE_NAME\` (default \`VeeamOrgSyncAccess\`); deployed with the policy \`${BOUNDARY_POLICY_NAME}\` by the service-managed StackSet \`<stack>-access-role\` (any other \`INSTALLATION_ID\` than the default: \`${BOUNDARY_POLICY_NAME}-<INSTALLATION_ID>\` and \`<stack>-access-role-<INSTALLATION_ID>\`; template \`resources/access-role.template.json\`, generated from the blueprints) into every account under \`SCOPE_OU_IDS\` (or the root), and by the management stack into the management account when it is protected (see [where to deploy](deploy.md#where-to-deploy))`,
    `- Trust: only the service's worker and reconcile function roles, by exact ARN`,
    `- Inline policy \`${ACCESS_POLICY_NAME}\` (never \`Resource: "*"\` in an Allow):`,
    '',
    '| statement | effect | actions | resources | condition |',
    '|---|---|---|---|---|',
    ...statements.map(
      (st) =>
        `| ${st.Sid} | ${st.Effect} | ${(Array.isArray(st.Action) ? st.Action : [st.Action]).join(', ')} | ${cfnText(st.Resource)} | ${
          st.Condition
            ? Object.entries(st.Condition)
                .map(([op, kv]) => Object.entries(kv).map(([k, val]) => `${op} \`${k}\` ${cfnText(val)}`))
                .join('; ')
            : ''
        } |`,
    ),
    '',
    `### \`${BOUNDARY_POLICY_NAME}\`: the permissions boundary of the Veeam roles`,
    '',
    `A managed policy beside the access role: the union of the blueprints' actions (${boundaryActions(bps).length} actions, ${policySize(boundaryDocument(bps))} characters, on \`Resource: "*"\` as the blueprints grant them, except \`iam:PassRole\`, limited to the roles of its own account), nothing else. Every role the service creates through the access role carries it from its CreateRole, so whoever controls the service can never give a role more than Veeam needs. The access role can never put, change or remove a boundary: a same-named role without this boundary (made by hand, by another tool or by an older version) is reported as a conflict and left alone, never adopted. In \`MEMBER_ACCESS=existing\` mode (the roles in \`MEMBER_ROLE_NAMES\`, typically administrator roles: the less safe choice) roles are created without it.`,
  ].join('\n');
}

export function renderRoleDocs(bps: readonly RoleBlueprint[]): string {
  return [
    `The service creates these roles in every account in scope and keeps them as described here. It only modifies roles tagged \`${MANAGED_TAG}=<INSTALLATION_ID>\` (with \`${BLUEPRINT_TAG}\` naming the blueprint), and adopts those tagged \`${MANAGED_TAG}=true\` (written before installation ids); a same-named role without that tag, or with another installation's id, is reported as a conflict and left alone. Tags starting with \`${TAG_PREFIX}\` belong to the service; other tags are never changed.`,
    '',
    ...bps.map(renderRole).flatMap((r) => [r, '']),
    renderAccess(bps),
  ]
    .join('\n')
    .trimEnd();
}

/** The block with its markers, as docs/roles.md should hold it. */
export function roleDocsBlock(bps: readonly RoleBlueprint[]): string {
  return `${ROLES_BEGIN}\n${renderRoleDocs(bps)}\n${ROLES_END}`;
}

export function defaultBlueprints(): RoleBlueprint[] {
  return blueprints({ backupRoleName: DEFAULT_BACKUP_ROLE_NAME, workerRoleName: DEFAULT_WORKER_ROLE_NAME });
}

/** The document holding the block. */
export const ROLE_DOCS_PATH = join(__dirname, '..', 'docs', 'roles.md');

/** `text` with its one roles block replaced by `block`; an error when the markers are missing or repeated. */
export function replaceRoleDocsBlock(text: string, block: string): string {
  const start = text.indexOf(ROLES_BEGIN);
  const end = text.indexOf(ROLES_END);
  if (start < 0 || end < start || text.indexOf(ROLES_BEGIN, start + 1) >= 0)
    throw new Error(`${ROLE_DOCS_PATH} must hold exactly one ${ROLES_BEGIN} ... ${ROLES_END} block`);
  return text.slice(0, start) + block + text.slice(end + ROLES_END.length);
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('scripts/role-docs.ts')) {
  const block = roleDocsBlock(defaultBlueprints());
  if (process.argv.includes('--print')) process.stdout.write(`${block}\n`);
  else {
    writeFileSync(ROLE_DOCS_PATH, replaceRoleDocsBlock(readFileSync(ROLE_DOCS_PATH, 'utf8'), block));
    process.stdout.write(`wrote the roles block of ${ROLE_DOCS_PATH}\n`);
  }
}
