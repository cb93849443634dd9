import { runCli } from '../bin/cli';
import { APPLIANCE_ROLE_ARN, MANAGEMENT_ACCOUNT, type World } from '../sim/world';
import type { StepIo } from './offboarding-guard';

const D = '999900001111'; // protected in organizations mode

/**
 * Coverage in the story: registered is not backed up. One EC2 policy names an account's backup role; the coverage
 * report shows that account covered and the others not, each with the reason.
 */
export async function coverageReport(w: World, covered: string, io: StepIo): Promise<void> {
  io.step('11. Which accounts does a backup policy actually cover? (veeam-org-sync coverage)');
  const entry = w.veeam.state.findByName(`${covered}-backup`);
  w.veeam.state.policies.set('/api/v1/virtualMachines/policies', [
    {
      id: 'c1d2e3f4-0000-4000-8000-000000000001',
      name: 'ec2-daily',
      identity: { id: entry?.id, type: 'IAMRole', awsId: covered },
      isEnabled: true,
      lastPolicySessionStatus: 'Succeeded',
    },
  ]);
  let text = '';
  const code = await runCli(['coverage'], { out: (s) => (text = s), err: (s) => io.say(s) });
  io.say(text);
  io.check(
    `${covered} is covered by ec2-daily; the others are not, each with a reason (exit 1)`,
    code === 1 &&
      new RegExp(`${covered}\\s+covered\\s+ec2-daily \\(EC2\\)`).test(text) &&
      /NOT covered\s+-\s+no policy names its role/.test(text),
  );
}

/**
 * Organizations mode in the story: one account synced with VEEAM_MODE=organization gets the same-named roles trusted
 * by the appliance role without an external ID, no per-account entry, and one organization rescan.
 */
export async function organizationModeAccount(w: World, ou: string, io: StepIo): Promise<void> {
  io.step('12. Organizations mode: an account the appliance finds by an organization rescan (VEEAM_MODE=organization)');
  const rescanEntry = w.veeam.state.addEntry({
    name: 'organization-rescan',
    accountId: MANAGEMENT_ACCOUNT,
    roleName: 'VeeamOrganizationRescan',
  });
  w.org.createAccount({ id: D, name: 'org-mode', parentId: ou });
  w.iam.addAccount(D);
  const before = w.veeam.state.organizationRescans.length;
  const env = {
    ...process.env,
    VEEAM_MODE: 'organization',
    VEEAM_RESCAN_ROLE_ARN: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/VeeamOrganizationRescan`,
  };
  let text = '';
  const code = await runCli(['sync', D], { out: (s) => (text = s), err: (s) => io.say(s), env });
  io.say(text);
  const rescans = w.veeam.state.organizationRescans.slice(before);
  io.check(
    `${D}: both roles exist, trusted by the appliance role without an external ID; no per-account entry`,
    code === 0 &&
      ['VeeamBackupRole', 'VeeamWorkerRole'].every((r) => w.iam.canAssume(D, r, APPLIANCE_ROLE_ARN)) &&
      w.veeam.state.list().every((e) => e.accountId !== D),
  );
  io.check(
    'one organization rescan with the rescan role’s entry',
    rescans.length === 1 && rescans[0]!.rescanIamRoleId === rescanEntry.id,
  );
}
