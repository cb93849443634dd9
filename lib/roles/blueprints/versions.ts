import type { RoleBlueprint } from '../types';

/**
 * What each appliance version added to the actions of a blueprint's policies, from Veeam's permissions changelog
 * (mapped onto our two roles: backup = ec2Backup + ec2Restore, worker = worker + workerConfig + flrWorker). The
 * blueprint files hold the newest list; a role for an older appliance leaves out what came later. Only changes that
 * alter a union are listed: 9 adds kms:GenerateDataKeyWithoutPlaintext to ec2Backup, which ec2Restore already had;
 * 10 adds rds:DeleteTenantDatabase to the RDS restore role, which this service does not deploy.
 */
export const VERSION_ADDITIONS: ReadonlyArray<{ major: number; blueprint: string; actions: readonly string[] }> = [
  { major: 9, blueprint: 'worker', actions: ['ec2:DescribeImages'] },
  { major: 11, blueprint: 'backup', actions: ['ebs:GetSnapshotBlock', 'kms:Decrypt'] },
  { major: 11, blueprint: 'worker', actions: ['pricing:GetProducts'] },
];

/** The newest appliance version the blueprint files describe. */
export const NEWEST_MAJOR = Math.max(...VERSION_ADDITIONS.map((a) => a.major));

/** "10.0.0.232" → 10; undefined for anything that does not start with a number. */
export function majorOf(version: string | undefined): number | undefined {
  const m = /^\s*(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The blueprint as the appliance of version `major` needs it: the actions later versions added are left out.
 * undefined (the appliance did not say) or a version newer than the files: the newest lists, which are a superset.
 */
export function forApplianceVersion<B extends Pick<RoleBlueprint, 'key' | 'policies' | 'veeamVersion'>>(
  bp: B,
  major: number | undefined,
): B {
  if (major === undefined || major >= NEWEST_MAJOR) return bp;
  const later = new Set(
    VERSION_ADDITIONS.filter((a) => a.blueprint === bp.key && a.major > major).flatMap((a) => a.actions),
  );
  return {
    ...bp,
    veeamVersion: String(major),
    policies: bp.policies.map((p) => ({
      ...p,
      statements: p.statements
        .map((s) => ({ ...s, actions: s.actions.filter((a) => !later.has(a)) }))
        .filter((s) => s.actions.length > 0),
    })),
  };
}
