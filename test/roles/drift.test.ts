import { APPLIANCE, BACKUP, ID_A, MEMBER, WORKER, world, type World } from './iam-world';
import type { RoleBlueprint, RoleChangeKind } from '../../lib/roles/types';

let w: World;
beforeEach(async () => {
  w = world();
  await w.ensure(BACKUP);
  await w.ensure(WORKER);
});
afterEach(() => w.fake.restore());

const role = (name: string) => w.fake.role(MEMBER, name)!;
const policyOf = (name: string, policy: string) =>
  JSON.parse(role(name).inline.get(policy)!) as { Statement: Array<{ Action: string[] }> };

interface Drift {
  name: string;
  bp: () => RoleBlueprint;
  drift: () => void;
  expectKinds: RoleChangeKind[];
  /** What a user would notice is fixed afterwards. */
  check: () => void;
}

const drifts: Drift[] = [
  {
    name: 'trust edited to drop the external-ID condition',
    bp: () => BACKUP,
    drift: () => {
      role('VeeamBackupRole').trust = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: APPLIANCE }, Action: 'sts:AssumeRole' }],
      });
    },
    expectKinds: ['update-trust'],
    check: () => {
      expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, undefined)).toBe(false);
      expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_A)).toBe(true);
    },
  },
  {
    name: 'trust of the worker lost the EC2 service principal',
    bp: () => WORKER,
    drift: () => {
      const t = JSON.parse(role('VeeamWorkerRole').trust) as { Statement: unknown[] };
      t.Statement = t.Statement.slice(0, 1);
      role('VeeamWorkerRole').trust = JSON.stringify(t);
    },
    expectKinds: ['update-trust'],
    check: () => expect(w.fake.canAssume(MEMBER, 'VeeamWorkerRole', 'ec2.amazonaws.com')).toBe(true),
  },
  {
    name: 'inline policy deleted',
    bp: () => BACKUP,
    drift: () => role('VeeamBackupRole').inline.clear(),
    expectKinds: ['put-policy'],
    check: () =>
      expect(
        policyOf('VeeamBackupRole', 'veeam-org-sync-ec2-backup-restore').Statement.flatMap((s) => s.Action),
      ).toContain('ec2:CreateSnapshot'),
  },
  {
    name: 'one action removed from the policy',
    bp: () => WORKER,
    drift: () => {
      const doc = policyOf('VeeamWorkerRole', 'veeam-org-sync-worker');
      doc.Statement[0]!.Action = doc.Statement[0]!.Action.filter((a) => a !== 'ec2:AttachVolume');
      role('VeeamWorkerRole').inline.set('veeam-org-sync-worker', JSON.stringify(doc));
    },
    expectKinds: ['put-policy'],
    check: () =>
      expect(policyOf('VeeamWorkerRole', 'veeam-org-sync-worker').Statement.flatMap((s) => s.Action)).toContain(
        'ec2:AttachVolume',
      ),
  },
  {
    name: 'policy edited to grant more than the blueprint',
    bp: () => BACKUP,
    drift: () => {
      const doc = policyOf('VeeamBackupRole', 'veeam-org-sync-ec2-backup-restore');
      doc.Statement[0]!.Action.push('iam:PutRolePolicy');
      role('VeeamBackupRole').inline.set('veeam-org-sync-ec2-backup-restore', JSON.stringify(doc));
    },
    expectKinds: ['put-policy'],
    check: () =>
      expect(
        policyOf('VeeamBackupRole', 'veeam-org-sync-ec2-backup-restore').Statement.flatMap((s) => s.Action),
      ).not.toContain('iam:PutRolePolicy'),
  },
  {
    name: 'an extra inline policy under our prefix (left over from an older blueprint)',
    bp: () => BACKUP,
    drift: () => {
      role('VeeamBackupRole').inline.set(
        'veeam-org-sync-old',
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      );
      // The older blueprint's set of policy names, as its convergence tagged it.
      role('VeeamBackupRole').tags.set('veeam-org-sync:policies', 'older-blueprint');
    },
    expectKinds: ['delete-policy', 'tag-role'],
    check: () => expect([...role('VeeamBackupRole').inline.keys()]).toEqual(['veeam-org-sync-ec2-backup-restore']),
  },
  {
    name: 'instance profile deleted',
    bp: () => WORKER,
    drift: () => w.fake.account(MEMBER).instanceProfiles.delete('VeeamWorkerRole'),
    expectKinds: ['create-instance-profile', 'add-role-to-instance-profile'],
    check: () =>
      expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual(['VeeamWorkerRole']),
  },
  {
    name: 'instance profile emptied',
    bp: () => WORKER,
    drift: () => {
      w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')!.roles = [];
    },
    expectKinds: ['add-role-to-instance-profile'],
    check: () =>
      expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual(['VeeamWorkerRole']),
  },
  {
    name: 'instance profile holding another role',
    bp: () => WORKER,
    drift: () => {
      w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')!.roles = ['OrganizationAccountAccessRole'];
    },
    expectKinds: ['remove-role-from-instance-profile', 'add-role-to-instance-profile'],
    check: () =>
      expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual(['VeeamWorkerRole']),
  },
  {
    name: 'ownership/blueprint tag removed',
    bp: () => BACKUP,
    drift: () => role('VeeamBackupRole').tags.delete('veeam-org-sync:blueprint'),
    expectKinds: ['tag-role'],
    check: () => expect(role('VeeamBackupRole').tags.get('veeam-org-sync:blueprint')).toBe('backup'),
  },
  {
    name: 'state tag removed',
    bp: () => BACKUP,
    drift: () => role('VeeamBackupRole').tags.delete('veeam-org-sync:external-id-issued'),
    expectKinds: ['tag-role'],
    check: () =>
      expect(role('VeeamBackupRole').tags.get('veeam-org-sync:external-id-issued')).toBe('2026-11-01T00:00:00.000Z'),
  },
  {
    name: 'role deleted (with its policy) while the instance profile stays',
    bp: () => WORKER,
    drift: () => {
      w.fake.account(MEMBER).roles.delete('VeeamWorkerRole');
      w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')!.roles = [];
    },
    expectKinds: ['create-role', 'put-policy', 'add-role-to-instance-profile'],
    check: () => {
      expect(w.fake.canAssume(MEMBER, 'VeeamWorkerRole', APPLIANCE, ID_A)).toBe(true);
      expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual(['VeeamWorkerRole']);
    },
  },
];

describe.each(drifts)('drift: $name', (d) => {
  it('is repaired with the minimal change and then stays converged', async () => {
    d.drift();
    const before = w.fake.writes().length;
    const res = await w.ensure(d.bp());
    expect(res.changes.map((c) => c.kind)).toEqual(d.expectKinds);
    expect(res.status).toBe(d.expectKinds.includes('create-role') ? 'created' : 'repaired');
    expect(w.fake.writes().length - before).toBe(d.expectKinds.length);
    d.check();
    const again = await w.ensure(d.bp());
    expect(again).toMatchObject({ status: 'ok', changes: [] });
  });
});

it('a role whose ownership tag was removed is no longer ours: conflict, untouched', async () => {
  role('VeeamBackupRole').tags.delete('veeam-org-sync:managed');
  role('VeeamBackupRole').inline.clear();
  const before = w.fake.writes().length;
  expect((await w.ensure(BACKUP)).status).toBe('conflict');
  expect(w.fake.writes().length).toBe(before);
});

it('an instance profile swapped for one that is not ours (no ownership tag): conflict, untouched', async () => {
  const profiles = w.fake.account(MEMBER).instanceProfiles;
  profiles.set('VeeamWorkerRole', {
    ...profiles.get('VeeamWorkerRole')!,
    roles: ['OrganizationAccountAccessRole'],
    tags: new Map(),
  });
  const before = w.fake.writes().length;
  const res = await w.ensure(WORKER);
  expect(res.status).toBe('conflict');
  expect(res.reason).toContain('instance profile VeeamWorkerRole');
  expect(w.fake.writes().length).toBe(before);
  expect(profiles.get('VeeamWorkerRole')?.roles).toEqual(['OrganizationAccountAccessRole']);
});
