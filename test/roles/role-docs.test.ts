import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessPolicyStatements, boundaryActions } from '../../lib/roles/access-template';
import { defaultBlueprints, renderRoleDocs, roleDocsBlock, ROLES_BEGIN, ROLES_END } from '../../scripts/role-docs';

const bps = defaultBlueprints();
const readmePath = join(__dirname, '..', '..', 'README.md');
const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
const hasBlock = readme.includes(ROLES_BEGIN) && readme.includes(ROLES_END);

describe('role docs', () => {
  it('documents every role, its trust and every action of the blueprints', () => {
    const doc = renderRoleDocs(bps);
    for (const bp of bps) {
      expect(doc).toContain(`\`${bp.roleName}\``);
      for (const action of bp.policies.flatMap((p) => p.statements.flatMap((s) => s.actions))) {
        const [service, name] = action.split(':') as [string, string];
        expect(doc).toMatch(new RegExp(`\\| \`${service}\` \\|[^\\n]*\\b${name}\\b`));
      }
    }
    expect(doc).toContain('ec2.amazonaws.com');
    // The access role and the boundary, from the data the StackSet template is generated from.
    for (const st of accessPolicyStatements())
      for (const action of Array.isArray(st.Action) ? st.Action : [st.Action]) expect(doc).toContain(String(action));
    expect(doc).toContain(`${boundaryActions(bps).length} actions`);
    expect(doc).toContain('sts:ExternalId');
  });

  (hasBlock ? it : it.skip)(
    'README block matches the blueprints (regenerate with: npx tsx scripts/role-docs.ts)',
    () => {
      const start = readme.indexOf(ROLES_BEGIN);
      const end = readme.indexOf(ROLES_END) + ROLES_END.length;
      expect(readme.slice(start, end)).toBe(roleDocsBlock(bps));
    },
  );
});
