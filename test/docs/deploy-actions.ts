import { evaluate, type Template } from '../template/cfn';

/**
 * What deploying a packaged template asks of the deployer's credentials, as (action, resource ARN) pairs.
 *
 * Source of the table: the CloudFormation resource provider schemas' handler permissions (`handlers.create`,
 * `update`, `delete`; the registry's `DescribeType` answer for each type), narrowed to the properties our templates
 * use: an action a handler needs only for a property we never set (KMS keys, Kinesis streams, code signing,
 * provisioned concurrency, S3 Tables, imports) is left out and added by the property's rule when a template starts
 * using it. Tagging actions are always in: the stack's tags (`stackTags`) propagate to every resource. KMS is not:
 * the state table's encryption uses the AWS managed key `aws/dynamodb`, whose own key policy lets every principal of
 * the account use it through DynamoDB. The read handlers (drift detection) are not covered.
 *
 * Beside the resources, `serverless deploy` and `serverless remove` call CloudFormation and the deployment bucket
 * themselves (osls 4: lib/plugins/aws/deploy, lib/plugins/aws/lib, lib/plugins/aws/remove): `stackCalls`.
 *
 * Resources are written as the ARN the action would act on; an action IAM authorizes only on `"*"` is checked on `"*"`
 * (the test asks the IAM data which ones). Physical names follow the templates: explicit names where a template sets one, otherwise CloudFormation's
 * generated `<stack>-<LogicalId>-<suffix>` (truncated to the type's limit, lowercased for buckets).
 */

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
const SUFFIX = 'A1B2C3D4E5F6';
const UUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

export interface Need {
  action: string;
  resource: string;
  context?: Record<string, string>;
  /** Which resource (or "stack") needs it. */
  why: string;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
}

/** One packaged template and the stack name it is deployed under. */
export interface Stack {
  name: string;
  template: Template;
}

const NAME_PROPERTY: Record<string, string> = {
  'AWS::CloudFormation::StackSet': 'StackSetName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Events::Rule': 'Name',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
};

const NAME_LIMIT: Record<string, number> = { 'AWS::S3::Bucket': 63, 'AWS::IAM::Role': 64, 'AWS::SQS::Queue': 80 };

class StackView {
  private readonly tpl: Template;
  constructor(readonly stack: Stack) {
    this.tpl = stack.template;
  }

  resources(): [string, Resource][] {
    return Object.entries(this.tpl.Resources);
  }

  /** Properties with intrinsics evaluated, template parameters at their defaults, resources by physical name. */
  props(id: string): Record<string, unknown> {
    return this.resolve(evaluate(this.tpl, this.tpl.Resources[id]?.Properties ?? {})) as Record<string, unknown>;
  }

  private resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.resolve(x)]));
    if (typeof v !== 'string') return v;
    const ref = /^ref:(.+)$/.exec(v)?.[1];
    if (ref !== undefined) {
      const param = this.tpl.Parameters?.[ref];
      if (param) return this.resolve(param.Default);
      if (this.tpl.Resources[ref]) return this.refValue(ref);
    }
    const att = /^([A-Za-z0-9]+)\.Arn$/.exec(v)?.[1];
    if (att !== undefined && this.tpl.Resources[att]) return this.arn(att);
    return v;
  }

  name(id: string): string {
    const type = this.tpl.Resources[id]!.Type;
    const prop = NAME_PROPERTY[type];
    const given = prop ? this.rawName(id, prop) : undefined;
    if (given) return given;
    const limit = NAME_LIMIT[type] ?? 255;
    const tail = `-${SUFFIX}`;
    const generated = `${this.stack.name}-${id}`.slice(0, limit - tail.length) + tail;
    return type === 'AWS::S3::Bucket' ? generated.toLowerCase() : generated;
  }

  private rawName(id: string, prop: string): string | undefined {
    const raw = (this.tpl.Resources[id]!.Properties ?? {})[prop];
    if (raw === undefined) return undefined;
    const v = this.resolve(evaluate(this.tpl, raw));
    return typeof v === 'string' ? v : undefined;
  }

  /** What `Ref` returns for the resource types our templates reference. */
  private refValue(id: string): string {
    const type = this.tpl.Resources[id]!.Type;
    if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${this.name(id)}`;
    return this.name(id);
  }

  arn(id: string): string {
    const type = this.tpl.Resources[id]!.Type;
    const name = this.name(id);
    switch (type) {
      case 'AWS::CloudFormation::StackSet':
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stackset/${name}:${UUID}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
      case 'AWS::CloudWatch::Dashboard':
        return `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      default:
        throw new Error(`no ARN known for ${type} (${id}): add it to test/docs/deploy-actions.ts`);
    }
  }
}

const has = (props: Record<string, unknown> | undefined, key: string) => props !== undefined && key in props;
const functionArn = (ref: unknown) =>
  String(ref).startsWith('arn:') ? String(ref) : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(ref)}`;
const queueArnFromUrl = (url: unknown) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${String(url).split('/').pop()}`;

type Rule = (
  view: StackView,
  id: string,
  props: Record<string, unknown>,
  raw: Record<string, unknown>,
) => Omit<Need, 'why'>[];

/** A property no rule maps yet: fail rather than under-report what the deployer needs. */
function unmapped(what: string): never {
  throw new Error(`${what} is not mapped to IAM actions: extend test/docs/deploy-actions.ts`);
}

const on = (resource: string, ...actions: string[]) => actions.map((action) => ({ action, resource }));

/** Per resource type: the actions its create, update and delete handlers call, for the properties we use. */
export const RESOURCE_RULES: Record<string, Rule> = {
  'AWS::S3::Bucket': (v, id, _p, raw) => [
    ...on(v.arn(id), 's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:PutBucketTagging'),
    ...(has(raw, 'BucketEncryption') ? on(v.arn(id), 's3:PutEncryptionConfiguration') : []),
    ...(has(raw, 'PublicAccessBlockConfiguration') ? on(v.arn(id), 's3:PutBucketPublicAccessBlock') : []),
    ...(has(raw, 'VersioningConfiguration') ? on(v.arn(id), 's3:PutBucketVersioning') : []),
  ],
  'AWS::S3::BucketPolicy': (_v, _id, p) =>
    on(`arn:aws:s3:::${String(p.Bucket)}`, 's3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'),
  'AWS::Logs::LogGroup': (v, id, _p, raw) => [
    ...on(v.arn(id), 'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:TagResource', 'logs:UntagResource'),
    ...on(v.arn(id), 'logs:ListTagsForResource'),
    ...(has(raw, 'RetentionInDays') ? on(v.arn(id), 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy') : []),
    ...on('*', 'logs:DescribeLogGroups'),
  ],
  'AWS::Lambda::Function': (v, id, p, raw) => {
    const code = p.Code as { S3Bucket?: string; S3Key?: string } | undefined;
    const vpc = has(raw, 'VpcConfig');
    return [
      ...on(
        v.arn(id),
        'lambda:CreateFunction',
        'lambda:GetFunction',
        'lambda:DeleteFunction',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:ListTags',
        'lambda:GetFunctionCodeSigningConfig',
        'lambda:GetFunctionRecursionConfig',
      ),
      ...(has(raw, 'ReservedConcurrentExecutions')
        ? on(v.arn(id), 'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency')
        : []),
      {
        action: 'iam:PassRole',
        resource: String(p.Role),
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      },
      ...((p.Layers as string[] | undefined) ?? []).flatMap((layer) => on(layer, 'lambda:GetLayerVersion')),
      ...(code?.S3Bucket
        ? on(`arn:aws:s3:::${code.S3Bucket}/${code.S3Key}`, 's3:GetObject', 's3:GetObjectVersion')
        : []),
      ...(vpc
        ? on(
            '*',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
            'ec2:DescribeNetworkInterfaces',
          )
        : []),
    ];
  },
  'AWS::Lambda::Version': (_v, _id, p) =>
    on(functionArn(p.FunctionName), 'lambda:PublishVersion', 'lambda:GetFunctionConfiguration'),
  'AWS::Lambda::Permission': (_v, _id, p) =>
    on(functionArn(p.FunctionName), 'lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy'),
  'AWS::Lambda::EventInvokeConfig': (_v, _id, p) =>
    on(
      functionArn(p.FunctionName),
      'lambda:PutFunctionEventInvokeConfig',
      'lambda:GetFunctionEventInvokeConfig',
      'lambda:UpdateFunctionEventInvokeConfig',
      'lambda:DeleteFunctionEventInvokeConfig',
    ),
  'AWS::Lambda::EventSourceMapping': (_v, _id, p) => {
    const mapping = `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${UUID}`;
    const context = { 'lambda:FunctionArn': functionArn(p.FunctionName) };
    return [
      ...['Create', 'Get', 'Update', 'Delete'].map((verb) => ({
        action: `lambda:${verb}EventSourceMapping`,
        resource: verb === 'Create' ? '*' : mapping,
        context,
      })),
      ...on(mapping, 'lambda:TagResource', 'lambda:UntagResource', 'lambda:ListTags'),
    ];
  },
  'AWS::Events::Rule': (v, id, p) => [
    ...on(
      v.arn(id),
      'events:PutRule',
      'events:DescribeRule',
      'events:DeleteRule',
      'events:PutTargets',
      'events:RemoveTargets',
      'events:ListTargetsByRule',
      'events:TagResource',
      'events:UntagResource',
      'events:ListTagsForResource',
    ),
    ...((p.Targets as { RoleArn?: string }[] | undefined) ?? [])
      .filter((t) => t.RoleArn)
      .map((t) => ({
        action: 'iam:PassRole',
        resource: t.RoleArn!,
        context: { 'iam:PassedToService': 'events.amazonaws.com' },
      })),
  ],
  'AWS::Events::EventBusPolicy': (_v, _id, p) =>
    on(
      `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${typeof p.EventBusName === 'string' ? p.EventBusName : 'default'}`,
      'events:PutPermission',
      'events:RemovePermission',
      'events:DescribeEventBus',
    ),
  'AWS::SQS::Queue': (v, id) =>
    on(
      v.arn(id),
      'sqs:CreateQueue',
      'sqs:GetQueueUrl',
      'sqs:GetQueueAttributes',
      'sqs:SetQueueAttributes',
      'sqs:ListQueueTags',
      'sqs:TagQueue',
      'sqs:UntagQueue',
      'sqs:DeleteQueue',
    ),
  'AWS::SQS::QueuePolicy': (_v, _id, p) =>
    ((p.Queues as string[] | undefined) ?? []).flatMap((url) =>
      on(queueArnFromUrl(url), 'sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'),
    ),
  'AWS::DynamoDB::Table': (v, id, _p, raw) => [
    ...on(
      v.arn(id),
      'dynamodb:CreateTable',
      'dynamodb:DescribeTable',
      'dynamodb:UpdateTable',
      'dynamodb:DeleteTable',
      'dynamodb:ListTagsOfResource',
      'dynamodb:TagResource',
      'dynamodb:UntagResource',
    ),
    ...(has(raw, 'TimeToLiveSpecification')
      ? on(v.arn(id), 'dynamodb:DescribeTimeToLive', 'dynamodb:UpdateTimeToLive')
      : []),
    ...(has(raw, 'PointInTimeRecoverySpecification')
      ? on(v.arn(id), 'dynamodb:DescribeContinuousBackups', 'dynamodb:UpdateContinuousBackups')
      : []),
  ],
  'AWS::IAM::Role': (v, id, _p, raw) => [
    ...on(
      v.arn(id),
      'iam:CreateRole',
      'iam:GetRole',
      'iam:DeleteRole',
      'iam:UpdateRole',
      'iam:UpdateRoleDescription',
      'iam:UpdateAssumeRolePolicy',
      'iam:TagRole',
      'iam:UntagRole',
      'iam:ListRolePolicies',
      'iam:ListAttachedRolePolicies',
    ),
    ...(has(raw, 'Policies') ? on(v.arn(id), 'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy') : []),
    ...(has(raw, 'ManagedPolicyArns') ? on(v.arn(id), 'iam:AttachRolePolicy', 'iam:DetachRolePolicy') : []),
    ...(has(raw, 'PermissionsBoundary')
      ? on(v.arn(id), 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary')
      : []),
  ],
  'AWS::IAM::ManagedPolicy': (v, id, _p, raw) => [
    ...(['Roles', 'Users', 'Groups'].some((k) => has(raw, k))
      ? unmapped(`${id}: attaching a managed policy by its Roles, Users or Groups`)
      : []),
    ...on(
      v.arn(id),
      'iam:CreatePolicy',
      'iam:GetPolicy',
      'iam:GetPolicyVersion',
      'iam:ListPolicyVersions',
      'iam:CreatePolicyVersion',
      'iam:DeletePolicyVersion',
      'iam:DeletePolicy',
      'iam:ListEntitiesForPolicy',
    ),
  ],
  'AWS::CloudWatch::Alarm': (v, id) =>
    on(
      v.arn(id),
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:DeleteAlarms',
      'cloudwatch:TagResource',
      'cloudwatch:UntagResource',
      'cloudwatch:ListTagsForResource',
    ),
  'AWS::CloudWatch::Dashboard': (v, id) =>
    on(v.arn(id), 'cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'),
  'AWS::CloudFormation::StackSet': (v, id, _p, raw) => [
    ...on(
      v.arn(id),
      'cloudformation:CreateStackSet',
      'cloudformation:UpdateStackSet',
      'cloudformation:DeleteStackSet',
      'cloudformation:DescribeStackSet',
      'cloudformation:DescribeStackSetOperation',
      'cloudformation:ListStackSetOperationResults',
      'cloudformation:ListStackInstances',
      'cloudformation:DescribeStackInstance',
      'cloudformation:CreateStackInstances',
      'cloudformation:UpdateStackInstances',
      'cloudformation:DeleteStackInstances',
      'cloudformation:TagResource',
      'cloudformation:UntagResource',
    ),
    // Service-managed StackSets read the organization; as a delegated administrator, CloudFormation checks that the
    // caller's account is registered.
    ...(raw.PermissionModel === 'SERVICE_MANAGED' ? on('*', 'organizations:DescribeOrganization') : []),
    ...(has(raw, 'CallAs') ? on('*', 'organizations:ListDelegatedAdministrators') : []),
  ],
  // Organizations names a policy by its id, not its name: the deployer can be scoped to the policy type only. The
  // handlers attach the policy to, and detach it from, each target (a root or an OU), which IAM authorizes on both.
  'AWS::Organizations::Policy': (_v, id, p) => {
    const type = String(p.Type).toLowerCase();
    if (type !== 'resource_control_policy') unmapped(`${id}: an Organizations policy of type ${String(p.Type)}`);
    const policyArn = `arn:aws:organizations::${ACCOUNT}:policy/o-aa111bb222/${type}/p-a1b2c3d4`;
    const targets = (p.TargetIds as string[]).map(
      (t) => `arn:aws:organizations::${ACCOUNT}:${t.startsWith('r-') ? 'root' : 'ou'}/o-aa111bb222/${t}`,
    );
    return [
      ...on(
        policyArn,
        'organizations:CreatePolicy',
        'organizations:DescribePolicy',
        'organizations:UpdatePolicy',
        'organizations:DeletePolicy',
        'organizations:ListTargetsForPolicy',
        'organizations:TagResource',
        'organizations:UntagResource',
        'organizations:ListTagsForResource',
      ),
      ...[policyArn, ...targets].flatMap((r) => on(r, 'organizations:AttachPolicy', 'organizations:DetachPolicy')),
    ];
  },
  'AWS::Organizations::ResourcePolicy': () =>
    on(
      `arn:aws:organizations::${ACCOUNT}:resourcepolicy/o-aa111bb222/rp-a1b2c3d4`,
      'organizations:PutResourcePolicy',
      'organizations:DescribeResourcePolicy',
      'organizations:DeleteResourcePolicy',
      'organizations:TagResource',
      'organizations:UntagResource',
      'organizations:ListTagsForResource',
    ),
};

/** What `serverless deploy` and `serverless remove` call themselves for one stack. */
function stackCalls(view: StackView): Need[] {
  const stackArn = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${view.stack.name}/${UUID}`;
  const bucket = view.resources().find(([, r]) => r.Type === 'AWS::S3::Bucket')?.[0];
  const bucketArn = bucket ? view.arn(bucket) : undefined;
  return [
    ...on(
      stackArn,
      'cloudformation:DescribeStacks',
      'cloudformation:CreateStack',
      'cloudformation:UpdateStack',
      'cloudformation:DeleteStack',
      'cloudformation:CreateChangeSet',
      'cloudformation:DescribeChangeSet',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:DeleteChangeSet',
      'cloudformation:DescribeStackEvents',
      'cloudformation:DescribeStackResource',
      'cloudformation:DescribeStackResources',
      'cloudformation:ListStackResources',
      'cloudformation:GetTemplate',
    ),
    ...on('*', 'cloudformation:ValidateTemplate'),
    ...(bucketArn
      ? [
          ...on(bucketArn, 's3:ListBucket', 's3:ListBucketVersions'),
          ...on(
            `${bucketArn}/serverless/${view.stack.name}/artifact.zip`,
            's3:PutObject',
            's3:GetObject',
            's3:DeleteObject',
            's3:DeleteObjectVersion',
          ),
        ]
      : []),
  ].map((n) => ({ ...n, why: `${view.stack.name} (serverless deploy / remove)` }));
}

/** Every (action, resource) deploying and removing these stacks needs; unknown resource types throw. */
export function deploymentNeeds(stacks: Stack[]): Need[] {
  return stacks.flatMap((stack) => {
    const view = new StackView(stack);
    const perResource = view.resources().flatMap(([id, r]) => {
      const rule = RESOURCE_RULES[r.Type];
      if (!rule) throw new Error(`${stack.name}: no rule for ${r.Type} (${id}): add it to test/docs/deploy-actions.ts`);
      return rule(view, id, view.props(id), r.Properties ?? {}).map((n) => ({
        ...n,
        why: `${stack.name} ${r.Type} ${id}`,
      }));
    });
    return [...perResource, ...stackCalls(view)];
  });
}

/** The resource types of these templates. */
export function resourceTypes(stacks: Stack[]): Set<string> {
  return new Set(stacks.flatMap((s) => Object.values(s.template.Resources).map((r) => r.Type)));
}
