import { blueprints } from '../../lib/roles/blueprints';

const all = blueprints({ backupRoleName: 'MyBackup', workerRoleName: 'MyWorker' });
const actionsOf = (key: string) =>
  all.find((b) => b.key === key)!.policies.flatMap((p) => p.statements.flatMap((s) => [...s.actions]));

describe('blueprints', () => {
  it('takes role names from the configuration, under stable keys', () => {
    expect(all.map((b) => [b.key, b.roleName])).toEqual([
      ['backup', 'MyBackup'],
      ['worker', 'MyWorker'],
    ]);
  });

  it('give only the worker an instance profile and the EC2 service principal', () => {
    expect(all.map((b) => [b.key, b.instanceProfile, [...b.trustServices]])).toEqual([
      ['backup', false, []],
      ['worker', true, ['ec2.amazonaws.com']],
    ]);
  });

  it('carry Veeam’s union lists: 94 backup/restore actions incl. KMS for encrypted EBS, 84 worker actions', () => {
    expect(new Set(actionsOf('backup')).size).toBe(94);
    expect(new Set(actionsOf('worker')).size).toBe(84);
    expect(actionsOf('backup')).toEqual(
      expect.arrayContaining([
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'ebs:GetSnapshotBlock',
        'iam:PassRole',
      ]),
    );
    expect(actionsOf('worker')).toEqual(
      expect.arrayContaining(['pricing:GetProducts', 'ssmmessages:OpenDataChannel', 'ec2:DescribeVpcs']),
    );
    // The IAM write set that made the original template a privilege-escalation path stays out.
    expect(actionsOf('backup')).not.toContain('iam:PutRolePolicy');
  });

  it('keep every action list sorted and free of duplicates, and name the Veeam version', () => {
    for (const bp of all) {
      expect(bp.veeamVersion).toMatch(/^10 /);
      const acts = actionsOf(bp.key);
      expect(new Set(acts).size).toBe(acts.length);
      for (const s of bp.policies.flatMap((p) => p.statements)) expect([...s.actions]).toEqual([...s.actions].sort());
    }
  });

  it('use policy names and Sids IAM accepts', () => {
    for (const bp of all)
      for (const p of bp.policies) {
        expect(p.name).toMatch(/^veeam-org-sync-[\w+=,.@-]{1,113}$/);
        for (const s of p.statements) expect(s.sid).toMatch(/^[A-Za-z0-9]+$/);
      }
  });
});
