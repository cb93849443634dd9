import type { PolicyStatement } from './policy-document';
import type { RoleBlueprint } from './types';

/**
 * The dedicated member-access role and the permissions boundary of the roles it creates, as data derived from the
 * blueprints: the StackSet template (resources/access-role.template.json, written by scripts/access-template.ts and
 * checked by test/roles/access-template.test.ts), docs/roles.md and the lib code all read it from here.
 */

/** The installation id whose names stay those of the releases before names were per installation. */
export const DEFAULT_INSTALLATION = 'veeam-org-sync';
/** Managed policy every role the default installation creates carries as its permissions boundary. */
export const BOUNDARY_POLICY_NAME = 'VeeamOrgSyncBoundary';
/** Inline policy of the access role. */
export const ACCESS_POLICY_NAME = 'veeam-org-sync-access';

/**
 * The boundary of one installation. Per installation, so that two installations in one organization never collide on
 * it (EntityAlreadyExists in every account the first holds) and one's roles never satisfy the other's conditions;
 * the default installation keeps the name it always had, so upgrading it renames nothing.
 */
export function boundaryPolicyName(installationId: string): string {
  return installationId === DEFAULT_INSTALLATION ? BOUNDARY_POLICY_NAME : `${BOUNDARY_POLICY_NAME}-${installationId}`;
}

export function boundaryPolicyArn(partition: string, accountId: string, installationId: string): string {
  return `arn:${partition}:iam::${accountId}:policy/${boundaryPolicyName(installationId)}`;
}

/** Every action any blueprint grants, once, sorted: nothing else may ever be granted to a role we create. */
export function boundaryActions(bps: readonly RoleBlueprint[]): string[] {
  const seen = new Map<string, string>();
  for (const bp of bps)
    for (const p of bp.policies)
      for (const s of p.statements)
        for (const a of s.actions) seen.set(a.toLowerCase(), seen.get(a.toLowerCase()) ?? a);
  return [...seen.values()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
}

/** IAM actions that change something (reads: Get, List, Simulate, Generate). */
const IAM_WRITE = /^iam:(?!(Get|List|Simulate|Generate))/i;

/**
 * The boundary: the union of the blueprints' permissions, nothing else; on "*" as the blueprints grant them, except
 * the IAM writes (iam:PassRole), which only ever act on a role and here are limited to this account's roles: the same
 * effect for every real request, and no IAM write on "*" in any template the project ships.
 */
export function boundaryDocument(bps: readonly RoleBlueprint[]): { Version: string; Statement: CfnStatement[] } {
  const actions = boundaryActions(bps);
  const writes = actions.filter((a) => IAM_WRITE.test(a));
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'VeeamBlueprints', Effect: 'Allow', Action: actions.filter((a) => !writes.includes(a)), Resource: '*' },
      ...(writes.length
        ? [
            {
              Sid: 'VeeamBlueprintsOnThisAccountsRoles',
              Effect: 'Allow' as const,
              Action: writes,
              Resource: THIS_ACCOUNT_ROLES,
            },
          ]
        : []),
    ],
  };
}

/** Read calls of lib/roles/read.ts and the removal path, on our roles and instance profile only. */
export const ACCESS_READ_ACTIONS = [
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRoleTags',
  'iam:ListInstanceProfilesForRole',
  'iam:GetInstanceProfile',
] as const;
/**
 * Writes of lib/roles/apply.ts on an existing role of ours (CreateRole has a statement of its own).
 * Only on a role that carries our boundary (IAM evaluates iam:PermissionsBoundary for each of these): a same-named
 * role someone else made cannot be given a trust or a policy through the access role, and since the access role may
 * never set a boundary (below), it cannot be made to carry ours either: it stays someone else's, reported as a conflict.
 */
export const ACCESS_BOUNDED_ROLE_WRITE_ACTIONS = [
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:DeleteRole',
] as const;
/** Tags carry no boundary condition key in IAM: they are limited by the ownership tag the role already has. */
export const ACCESS_ROLE_TAG_ACTIONS = ['iam:TagRole', 'iam:UntagRole'] as const;
export const ACCESS_PROFILE_WRITE_ACTIONS = [
  'iam:CreateInstanceProfile',
  'iam:TagInstanceProfile',
  'iam:AddRoleToInstanceProfile',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:DeleteInstanceProfile',
] as const;
/** Every tag key the service writes (lib/roles/tags.ts TAG_PREFIX): no other key is ever set or removed. */
export const OUR_TAG_KEYS = 'veeam-org-sync:*';
/** The ownership tag (lib/roles/tags.ts MANAGED_TAG) and the value roles carried before installation ids. */
const MANAGED_TAG_KEY = 'veeam-org-sync:managed';
const LEGACY_MANAGED = 'true';
/** The only service the worker role is ever handed to: EC2, through its instance profile. */
export const WORKER_ROLE_SERVICE = 'ec2.amazonaws.com';

type Cfn = unknown;
const sub = (s: string): Cfn => ({ 'Fn::Sub': s });
const ifDefault = (yes: Cfn, no: Cfn): Cfn => ({ 'Fn::If': ['DefaultInstallation', yes, no] });
const BOUNDARY_NAME = ifDefault(BOUNDARY_POLICY_NAME, sub(`${BOUNDARY_POLICY_NAME}-\${InstallationId}`));
const BOUNDARY_ARN = ifDefault(
  sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${BOUNDARY_POLICY_NAME}`),
  sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${BOUNDARY_POLICY_NAME}-\${InstallationId}`),
);
const ROLE_ARNS = [
  sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${BackupRoleName}'),
  sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${WorkerRoleName}'),
];
/** The Veeam roles of this installation in every account: only the appliance (and EC2) ever assumes them. */
const VEEAM_ROLES_EVERYWHERE = [
  sub('arn:${AWS::Partition}:iam::*:role/${BackupRoleName}'),
  sub('arn:${AWS::Partition}:iam::*:role/${WorkerRoleName}'),
];
const THIS_ACCOUNT_ROLES = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*');
const PROFILE_ARN = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/${WorkerRoleName}');
const INSTALLATION = { Ref: 'InstallationId' };

interface CfnStatement extends Omit<PolicyStatement, 'Resource' | 'Condition' | 'Principal'> {
  Resource: Cfn;
  Condition?: Record<string, Record<string, Cfn>>;
}

/** The access role's permissions: exact ARNs of our two roles and the worker's instance profile, never "*". */
export function accessPolicyStatements(): CfnStatement[] {
  const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY_ARN } };
  const onlyOurKeys = { 'ForAllValues:StringLike': { 'aws:TagKeys': OUR_TAG_KEYS } };
  return [
    { Sid: 'ReadOurRoles', Effect: 'Allow', Action: [...ACCESS_READ_ACTIONS], Resource: [...ROLE_ARNS, PROFILE_ARN] },
    {
      Sid: 'ChangeOurBoundedRoles',
      Effect: 'Allow',
      Action: [...ACCESS_BOUNDED_ROLE_WRITE_ACTIONS],
      Resource: ROLE_ARNS,
      Condition: withBoundary,
    },
    // Ownership cannot be forged: only a role that already carries this installation's tag (or the tag written before
    // installation ids, which is adopted) is retagged, and only under our own keys.
    {
      Sid: 'TagOurOwnRoles',
      Effect: 'Allow',
      Action: [...ACCESS_ROLE_TAG_ACTIONS],
      Resource: ROLE_ARNS,
      Condition: {
        StringEquals: { [`aws:ResourceTag/${MANAGED_TAG_KEY}`]: [INSTALLATION, LEGACY_MANAGED] },
        ...onlyOurKeys,
      },
    },
    // A role is born with the boundary and this installation's ownership tag, or not at all.
    {
      Sid: 'CreateOurRolesWithBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole'],
      Resource: ROLE_ARNS,
      Condition: {
        StringEquals: { 'iam:PermissionsBoundary': BOUNDARY_ARN, [`aws:RequestTag/${MANAGED_TAG_KEY}`]: INSTALLATION },
        ...onlyOurKeys,
      },
    },
    { Sid: 'OurInstanceProfile', Effect: 'Allow', Action: [...ACCESS_PROFILE_WRITE_ACTIONS], Resource: PROFILE_ARN },
    // AddRoleToInstanceProfile requires iam:PassRole on the role put into the profile (a check that names no service);
    // a pass to a service names it, and the only one allowed is EC2.
    {
      Sid: 'PutWorkerRoleInItsProfile',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: ROLE_ARNS[1],
      Condition: { StringEqualsIfExists: { 'iam:PassedToService': WORKER_ROLE_SERVICE } },
    },
    // Explicit denies hold even if someone attaches a broader policy to this role later.
    {
      Sid: 'NeverSetOrRemoveABoundary',
      Effect: 'Deny',
      Action: ['iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'],
      Resource: '*',
    },
    {
      Sid: 'NoOtherBoundary',
      Effect: 'Deny',
      Action: ['iam:CreateRole'],
      Resource: '*',
      Condition: { StringNotEquals: { 'iam:PermissionsBoundary': BOUNDARY_ARN } },
    },
    {
      Sid: 'NeverChangeTheBoundaryPolicy',
      Effect: 'Deny',
      Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      Resource: BOUNDARY_ARN,
    },
    // Whatever a trust says, the access role never becomes the Veeam roles it manages (the RCP caps everyone else).
    { Sid: 'NeverAssumeTheVeeamRoles', Effect: 'Deny', Action: ['sts:AssumeRole'], Resource: VEEAM_ROLES_EVERYWHERE },
  ];
}

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Parameters: Record<string, { Type: string; Description: string; Default?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Description: string; Value: unknown }>;
}

/**
 * The CloudFormation template the StackSet deploys in every account in scope (and the management stack in the
 * management account, where service-managed StackSets never deploy).
 */
export function accessRoleTemplate(bps: readonly RoleBlueprint[]): CfnTemplate {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'veeam-org-sync member access: the narrow role the service assumes here and the permissions boundary of the roles it creates. Generated from lib/roles/blueprints by scripts/access-template.ts: do not edit.',
    Parameters: {
      TrustedRoleArns: {
        Type: 'CommaDelimitedList',
        Description: 'Exact ARNs of the veeam-org-sync function roles that may assume the access role.',
      },
      AccessRoleName: { Type: 'String', Description: 'ACCESS_ROLE_NAME', Default: 'VeeamOrgSyncAccess' },
      BackupRoleName: { Type: 'String', Description: 'BACKUP_ROLE_NAME', Default: 'VeeamBackupRole' },
      WorkerRoleName: { Type: 'String', Description: 'WORKER_ROLE_NAME', Default: 'VeeamWorkerRole' },
      InstallationId: {
        Type: 'String',
        Description: 'INSTALLATION_ID: names the boundary and is the ownership tag the access role may write to.',
        Default: DEFAULT_INSTALLATION,
      },
    },
    Conditions: { DefaultInstallation: { 'Fn::Equals': [{ Ref: 'InstallationId' }, DEFAULT_INSTALLATION] } },
    Resources: {
      VeeamOrgSyncBoundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: BOUNDARY_NAME,
          Description:
            'Permissions boundary of the roles veeam-org-sync creates: the union of the Veeam role blueprints.',
          PolicyDocument: boundaryDocument(bps),
        },
      },
      VeeamOrgSyncAccessRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: { Ref: 'AccessRoleName' },
          Description: 'veeam-org-sync: manages the Veeam roles of this account, nothing else.',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ServiceFunctions',
                Effect: 'Allow',
                Principal: { AWS: { Ref: 'TrustedRoleArns' } },
                Action: 'sts:AssumeRole',
              },
            ],
          },
          Policies: [
            {
              PolicyName: ACCESS_POLICY_NAME,
              PolicyDocument: { Version: '2012-10-17', Statement: accessPolicyStatements() },
            },
          ],
        },
      },
    },
    Outputs: {
      AccessRoleArn: {
        Description: 'The role veeam-org-sync assumes here.',
        Value: { 'Fn::GetAtt': ['VeeamOrgSyncAccessRole', 'Arn'] },
      },
      BoundaryArn: { Description: 'Permissions boundary of the Veeam roles.', Value: { Ref: 'VeeamOrgSyncBoundary' } },
    },
  };
}
