import type { PolicyStatement } from './policy-document';
import type { RoleBlueprint } from './types';

/**
 * The dedicated member-access role and the permissions boundary of the roles it creates, as data derived from the
 * blueprints: the StackSet template (resources/access-role.template.json, written by scripts/access-template.ts and
 * checked by test/roles/access-template.test.ts), docs/roles.md and the lib code all read it from here.
 */

/** Managed policy every role this service creates carries as its permissions boundary. */
export const BOUNDARY_POLICY_NAME = 'VeeamOrgSyncBoundary';
/** Inline policy of the access role. */
export const ACCESS_POLICY_NAME = 'veeam-org-sync-access';

export function boundaryPolicyArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:policy/${BOUNDARY_POLICY_NAME}`;
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
 * Writes of lib/roles/apply.ts on an existing role of ours (CreateRole and the boundary have statements of their own).
 * Only on a role that carries our boundary (IAM evaluates iam:PermissionsBoundary for each of these): a same-named
 * role someone else made cannot be given a trust or a policy through the access role without first being bounded by
 * VeeamOrgSyncBoundary, so whoever controls the service never gets more than Veeam needs in any account.
 */
export const ACCESS_BOUNDED_ROLE_WRITE_ACTIONS = [
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:DeleteRole',
] as const;
/** Tags carry no boundary condition key in IAM; a tag alone changes no permission. */
export const ACCESS_ROLE_TAG_ACTIONS = ['iam:TagRole', 'iam:UntagRole'] as const;
export const ACCESS_PROFILE_WRITE_ACTIONS = [
  'iam:CreateInstanceProfile',
  'iam:TagInstanceProfile',
  'iam:AddRoleToInstanceProfile',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:DeleteInstanceProfile',
] as const;

type Cfn = unknown;
const sub = (s: string): Cfn => ({ 'Fn::Sub': s });
const BOUNDARY_ARN = sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${BOUNDARY_POLICY_NAME}`);
const ROLE_ARNS = [
  sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${BackupRoleName}'),
  sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${WorkerRoleName}'),
];
const THIS_ACCOUNT_ROLES = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*');
const PROFILE_ARN = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/${WorkerRoleName}');

interface CfnStatement extends Omit<PolicyStatement, 'Resource' | 'Condition' | 'Principal'> {
  Resource: Cfn;
  Condition?: Record<string, Record<string, Cfn>>;
}

/** The access role's permissions: exact ARNs of our two roles and the worker's instance profile, never "*". */
export function accessPolicyStatements(): CfnStatement[] {
  const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY_ARN } };
  return [
    { Sid: 'ReadOurRoles', Effect: 'Allow', Action: [...ACCESS_READ_ACTIONS], Resource: [...ROLE_ARNS, PROFILE_ARN] },
    {
      Sid: 'ChangeOurBoundedRoles',
      Effect: 'Allow',
      Action: [...ACCESS_BOUNDED_ROLE_WRITE_ACTIONS],
      Resource: ROLE_ARNS,
      Condition: withBoundary,
    },
    { Sid: 'TagOurRoles', Effect: 'Allow', Action: [...ACCESS_ROLE_TAG_ACTIONS], Resource: ROLE_ARNS },
    // A role can only be born with the boundary, and a boundary can only be (re)set to ours (drift repair).
    {
      Sid: 'CreateOurRolesWithBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
      Resource: ROLE_ARNS,
      Condition: withBoundary,
    },
    { Sid: 'OurInstanceProfile', Effect: 'Allow', Action: [...ACCESS_PROFILE_WRITE_ACTIONS], Resource: PROFILE_ARN },
    // AddRoleToInstanceProfile requires iam:PassRole on the role put into the profile.
    { Sid: 'PutWorkerRoleInItsProfile', Effect: 'Allow', Action: ['iam:PassRole'], Resource: ROLE_ARNS[1] },
    // Explicit denies hold even if someone attaches a broader policy to this role later.
    { Sid: 'NeverRemoveABoundary', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
    {
      Sid: 'NoOtherBoundary',
      Effect: 'Deny',
      Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
      Resource: '*',
      Condition: { StringNotEquals: { 'iam:PermissionsBoundary': BOUNDARY_ARN } },
    },
    {
      Sid: 'NeverChangeTheBoundaryPolicy',
      Effect: 'Deny',
      Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      Resource: BOUNDARY_ARN,
    },
  ];
}

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Parameters: Record<string, { Type: string; Description: string; Default?: string }>;
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
    },
    Resources: {
      VeeamOrgSyncBoundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: BOUNDARY_POLICY_NAME,
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
