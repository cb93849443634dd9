import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { savedRegion } from '../../bin/remote/saved-region';

describe('--stack finds the region saved for its stage (config/<stage>.yml)', () => {
  const root = mkdtempSync(join(tmpdir(), 'veeam-org-sync-root-'));
  mkdirSync(join(root, 'config'));
  writeFileSync(join(root, 'config', 'prod.yml'), 'region: eu-central-1\norgId: o-abc123def4\n');
  writeFileSync(join(root, 'config', 'test.yml'), 'orgId: o-abc123def4\n');

  it('uses the region of config/prod.yml for the stack veeam-org-sync-prod', () => {
    expect(savedRegion('veeam-org-sync-prod', root)).toBe('eu-central-1');
  });

  it('leaves the region to the SDK when the stage saves none, has no file, or the stack is not the service', () => {
    expect(savedRegion('veeam-org-sync-test', root)).toBeUndefined();
    expect(savedRegion('veeam-org-sync-staging', root)).toBeUndefined();
    expect(savedRegion('my-own-stack-name', root)).toBeUndefined();
    expect(savedRegion('veeam-org-sync-management-prod', root)).toBeUndefined();
  });
});
