import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from '../template/cfn';
import { evaluate, resourcesOfType } from '../template/cfn';

/**
 * One request judged by an independent IAM policy simulator against the policies as the packaged templates ship
 * them. The simulator does not derive request context from the principal, so `request` builds it as AWS does: an IAM
 * role's session carries aws:PrincipalArn (the role ARN) and aws:PrincipalIsAWSService false; an AWS service principal
 * carries aws:PrincipalIsAWSService true and aws:PrincipalServiceName, and no aws:PrincipalArn.
 */
export type Policy = { Version: string; Statement: unknown[] };
export type Context = Record<string, string | string[]>;

export function principalContext(principal: string): Context {
  if (principal.startsWith('arn:'))
    return {
      'aws:PrincipalArn': principal,
      'aws:PrincipalAccount': principal.split(':')[4]!,
      'aws:PrincipalIsAWSService': 'false',
    };
  return { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': principal };
}

export interface Request {
  principal: string;
  action: string;
  resource: string;
  /** Account owning the resource. */
  accountId: string;
  context?: Context;
  /** The principal's identity policies (an IAM principal may do anything by default: the attacker's best case). */
  identity?: Policy[];
  resourcePolicy?: unknown;
  /** Resource control policies attached above the resource's account. */
  rcps?: Policy[];
}

export const ALLOW_ALL: Policy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

export async function decide(r: Request): Promise<string> {
  const service = !r.principal.startsWith('arn:');
  const res = await runSimulation(
    {
      request: {
        principal: r.principal,
        action: r.action,
        resource: { resource: r.resource, accountId: r.accountId },
        contextVariables: { ...principalContext(r.principal), ...(r.context ?? {}) },
      },
      identityPolicies: service ? [] : (r.identity ?? [ALLOW_ALL]).map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: r.rcps?.length
        ? [{ orgIdentifier: 'o-abc123def4', policies: r.rcps.map((policy, i) => ({ name: `rcp${i}`, policy })) }]
        : [],
      ...(r.resourcePolicy ? { resourcePolicy: r.resourcePolicy } : {}),
    },
    {},
  );
  if (res.resultType === 'error') throw new Error(`simulation rejected its input: ${JSON.stringify(res.errors)}`);
  if (res.resultType !== 'single') throw new Error(`unexpected ${res.resultType}`);
  return res.overallResult;
}

/** The evaluated identity policy documents of a role resource of a packaged template. */
export function rolePolicies(template: Template, roleId: string): Policy[] {
  const role = evaluate(template, template.Resources[roleId]?.Properties) as {
    Policies?: { PolicyDocument: Policy }[];
  };
  return (role.Policies ?? []).map((p) => p.PolicyDocument);
}

/** The packaged RCP content, with the template's parameters and pseudo parameters substituted. */
export function rcpOf(template: Template): Policy {
  const [[, rcp] = []] = resourcesOfType(template, 'AWS::Organizations::Policy');
  if (!rcp) throw new Error('the template ships no AWS::Organizations::Policy');
  return rcp.Content as Policy;
}

/** Replaces the 123456789012 the template evaluator uses for AWS::AccountId by the account a resource lives in. */
export function inAccount<T>(value: T, accountId: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll('123456789012', accountId)) as T;
}
