import type { RoleBlueprint } from './types';
import { asArray, statementsOf, type PolicyDocument } from './policy-document';

type BlueprintPolicy = RoleBlueprint['policies'][number];

/** Veeam checks its roles with iam:SimulatePrincipalPolicy against Resource "*", so every statement uses "*". */
export function renderPolicy(policy: BlueprintPolicy): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: policy.statements.map((s) => ({ Sid: s.sid, Effect: 'Allow', Action: [...s.actions], Resource: '*' })),
  };
}

/** Inline policy names this service owns; others on a role are someone else's and left alone. */
const OUR_POLICY_PREFIX = 'veeam-org-sync-';

export function isOurPolicyName(name: string): boolean {
  return name.startsWith(OUR_POLICY_PREFIX);
}

/** Actions granted on "*" without conditions, lower-cased (IAM action names are case-insensitive). */
export function grantedActions(doc: unknown): Set<string> {
  const out = new Set<string>();
  for (const s of statementsOf(doc)) {
    if (s.Effect !== 'Allow' || s.Condition !== undefined) continue;
    if (!asArray(s.Resource).includes('*')) continue;
    for (const a of asArray(s.Action)) out.add(a.toLowerCase());
  }
  return out;
}
