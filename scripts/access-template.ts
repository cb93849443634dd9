/**
 * Writes the StackSet template of the dedicated member-access role (resources/access-role.template.json) from the
 * blueprints, so the boundary cannot drift from what the roles need: `npx tsx scripts/access-template.ts`.
 * test/roles/access-template.test.ts fails when the file and the blueprints disagree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessRoleTemplate } from '../lib/roles/access-template';
import { defaultBlueprints } from './role-docs';

export const ACCESS_TEMPLATE_PATH = join(__dirname, '..', 'resources', 'access-role.template.json');

export function accessTemplate() {
  return accessRoleTemplate(defaultBlueprints());
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('scripts/access-template.ts')) {
  void (async () => {
    // Loaded only here: prettier is ESM inside, which the tests importing this module need not load.
    const { format, resolveConfig } = await import('prettier');
    const options = (await resolveConfig(ACCESS_TEMPLATE_PATH)) ?? {};
    const text = await format(JSON.stringify(accessTemplate()), { ...options, parser: 'json' });
    writeFileSync(ACCESS_TEMPLATE_PATH, text);
    process.stdout.write(`wrote ${ACCESS_TEMPLATE_PATH}\n`);
  })();
}
