import { IAMClient } from '@aws-sdk/client-iam';
import { blueprints } from '../../lib/roles/blueprints';
import { IamRoleStore } from '../../lib/roles/iam-role-store';
import type { DesiredTrust, RoleBlueprint } from '../../lib/roles/types';
import { installIamStsFake, type IamStsFake } from '../../sim/aws/iam-sts';

export const MGMT = '111111111111';
export const MEMBER = '444455556666';
export const APPLIANCE = 'arn:aws:iam::999988887777:role/VeeamImpersonation';
export const ID_A = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
export const ID_B = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2';

export const [BACKUP, WORKER] = blueprints({
  backupRoleName: 'VeeamBackupRole',
  workerRoleName: 'VeeamWorkerRole',
}) as [RoleBlueprint, RoleBlueprint];

export function desired(
  ids: string[] = [ID_A],
  stateTags: Record<string, string> = { 'veeam-org-sync:external-id-issued': '2026-11-01T00:00:00.000Z' },
): DesiredTrust {
  return { principalArn: APPLIANCE, externalIds: ids, stateTags };
}

export interface World {
  fake: IamStsFake;
  iam: IAMClient;
  store: IamRoleStore;
  /** read + ensure, as the convergence code calls them. */
  ensure(bp: RoleBlueprint, trust?: DesiredTrust, dryRun?: boolean): ReturnType<IamRoleStore['ensure']>;
}

/** The fake stands in for IAM; the store, planner and applier are the real ones. */
export function world(): World {
  const fake = installIamStsFake({ managementAccountId: MGMT });
  fake.addAccount(MEMBER);
  const iam = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: `FAKE${MEMBER}TEST`, secretAccessKey: 'x' },
  });
  const store = new IamRoleStore(MEMBER, iam, { principalArn: APPLIANCE });
  return {
    fake,
    iam,
    store,
    async ensure(bp, trust = desired(), dryRun = false) {
      return store.ensure(bp, trust, await store.read(bp), { dryRun });
    },
  };
}
