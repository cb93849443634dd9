import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { accessPolicyStatements, boundaryActions } from '../../lib/roles/access-template';
import { defaultBlueprints, renderRoleDocs, roleDocsBlock, ROLES_BEGIN, ROLES_END } from '../../scripts/role-docs';

const bps = defaultBlueprints();
const ROOT = join(__dirname, '..', '..');

/** The Markdown operators read: README.md and everything under docs/. */
function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
        )
      : [];
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))].filter((f) => existsSync(f));
}

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

  it('the role reference in the docs (README.md or docs/) matches the blueprints (regenerate with: npx tsx scripts/role-docs.ts)', () => {
    const blocks = markdownFiles()
      .map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, 'utf8') }))
      .filter(({ text }) => text.includes(ROLES_BEGIN));
    // The operators' list of roles and actions must exist somewhere: a doc rewrite that drops the markers fails here.
    expect(blocks.map((b) => b.file)).not.toEqual([]);
    for (const { file, text } of blocks) {
      const start = text.indexOf(ROLES_BEGIN);
      const end = text.indexOf(ROLES_END);
      expect({ file, block: end < 0 ? text.slice(start) : text.slice(start, end + ROLES_END.length) }).toEqual({
        file,
        block: roleDocsBlock(bps),
      });
    }
  });
});
