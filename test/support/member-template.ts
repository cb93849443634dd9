import type { CfnTemplate } from '../../lib/roles/access-template';
import { accessTemplate } from '../../scripts/access-template';

/**
 * The generated access-role template (resources/access-role.template.json) as CloudFormation resolves it in one
 * account: its parameters, pseudo parameters, Conditions and the intrinsic functions it uses. Policy simulations read
 * the plain documents this returns, so what they judge is exactly what the StackSet deploys.
 */
export interface MemberStack {
  accountId: string;
  trustedRoleArns?: string[];
  accessRoleName?: string;
  backupRoleName?: string;
  workerRoleName?: string;
  installationId?: string;
  partition?: string;
}

/** `template`: the generated one by default, or the TemplateBody of a packaged StackSet. */
export function resolveMemberTemplate(stack: MemberStack, template: CfnTemplate = accessTemplate()) {
  const params: Record<string, unknown> = {
    'AWS::Partition': stack.partition ?? 'aws',
    'AWS::AccountId': stack.accountId,
    TrustedRoleArns: stack.trustedRoleArns ?? [],
    AccessRoleName: stack.accessRoleName ?? template.Parameters.AccessRoleName!.Default,
    BackupRoleName: stack.backupRoleName ?? template.Parameters.BackupRoleName!.Default,
    WorkerRoleName: stack.workerRoleName ?? template.Parameters.WorkerRoleName!.Default,
    InstallationId: stack.installationId ?? template.Parameters.InstallationId!.Default,
  };
  const conditions: Record<string, boolean> = {};
  const condition = (name: string): boolean => (conditions[name] ??= Boolean(ev(template.Conditions[name])));
  function ev(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(ev);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const [k] = Object.keys(o);
    if (Object.keys(o).length === 1 && k !== undefined && (k === 'Ref' || k.startsWith('Fn::'))) {
      const a = o[k];
      switch (k) {
        case 'Ref':
          if (!(String(a) in params)) throw new Error(`unresolved Ref ${String(a)}`);
          return params[String(a)];
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(a) ? a : [a, {}]) as [string, Record<string, unknown>];
          return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            const value = name in vars ? ev(vars[name]) : params[name];
            if (typeof value !== 'string') throw new Error(`unresolved \${${name}}`);
            return value;
          });
        }
        case 'Fn::If': {
          const [c, yes, no] = a as [string, unknown, unknown];
          return ev(condition(c) ? yes : no);
        }
        case 'Fn::Equals': {
          const [x, y] = a as [unknown, unknown];
          return JSON.stringify(ev(x)) === JSON.stringify(ev(y));
        }
        case 'Fn::GetAtt':
          return (a as string[]).join('.');
      }
      throw new Error(`unsupported intrinsic ${k}`);
    }
    return Object.fromEntries(Object.entries(o).map(([key, x]) => [key, ev(x)]));
  }
  const resources = ev(template.Resources) as Record<string, { Properties: Record<string, unknown> }>;
  const role = resources.VeeamOrgSyncAccessRole!.Properties as {
    RoleName: string;
    AssumeRolePolicyDocument: unknown;
    Policies: { PolicyName: string; PolicyDocument: { Version: string; Statement: unknown[] } }[];
  };
  const boundary = resources.VeeamOrgSyncBoundary!.Properties as { ManagedPolicyName: string; PolicyDocument: unknown };
  const partition = String(params['AWS::Partition']);
  return {
    accessRoleArn: `arn:${partition}:iam::${stack.accountId}:role/${role.RoleName}`,
    accessPolicy: { name: role.Policies[0]!.PolicyName, policy: role.Policies[0]!.PolicyDocument },
    accessTrust: role.AssumeRolePolicyDocument,
    boundaryName: boundary.ManagedPolicyName,
    boundaryArn: `arn:${partition}:iam::${stack.accountId}:policy/${boundary.ManagedPolicyName}`,
    boundaryDocument: boundary.PolicyDocument,
  };
}
