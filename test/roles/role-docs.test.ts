import { readFileSync } from 'node:fs';
import { accessPolicyStatements, boundaryActions } from '../../lib/roles/access-template';
import {
  defaultBlueprints,
  renderRoleDocs,
  replaceRoleDocsBlock,
  ROLE_DOCS_PATH,
  roleDocsBlock,
  ROLES_BEGIN,
  ROLES_END,
} from '../../scripts/role-docs';

const bps = defaultBlueprints();

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

  it('docs/roles.md holds exactly the generated block (regenerate with: npx tsx scripts/role-docs.ts)', () => {
    // Read here, not at load: a missing file or missing markers fail this test instead of skipping it.
    const doc = readFileSync(ROLE_DOCS_PATH, 'utf8');
    expect(doc.split(ROLES_BEGIN)).toHaveLength(2);
    expect(doc.split(ROLES_END)).toHaveLength(2);
    const start = doc.indexOf(ROLES_BEGIN);
    const end = doc.indexOf(ROLES_END) + ROLES_END.length;
    expect(doc.slice(start, end)).toBe(roleDocsBlock(bps));
  });

  it('regenerating replaces only the block, and refuses a document without its markers', () => {
    const block = roleDocsBlock(bps);
    expect(replaceRoleDocsBlock(`# Roles\n\n${ROLES_BEGIN}\nstale\n${ROLES_END}\n\nafter\n`, block)).toBe(
      `# Roles\n\n${block}\n\nafter\n`,
    );
    expect(() => replaceRoleDocsBlock('# Roles\n', block)).toThrow(/roles:begin/);
    expect(() => replaceRoleDocsBlock(`${ROLES_BEGIN}\n${ROLES_END}\n${ROLES_BEGIN}`, block)).toThrow(/exactly one/);
  });
});
