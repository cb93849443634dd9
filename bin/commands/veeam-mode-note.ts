import { applianceBlueprints } from '../../lib/account/appliance-blueprints';
import { readRescanState } from '../../lib/account/organization-rescan';
import type { Deps } from '../../lib/deps';

export interface VeeamModeNote {
  veeamMode: 'accounts' | 'organization';
  /** What GET /api/v1/system/version reported; the role permissions match it. */
  applianceVersion?: string;
  /** The blueprint version the roles are converged to (the appliance's major version, or the newest lists). */
  rolesMatchVersion: string;
  /** Organizations mode: accounts waiting for the organization rescan. */
  pendingRescan?: string[];
  note: string;
}

/** What `status` says besides the accounts: the mode, and the appliance version the roles' permissions follow. */
export async function veeamModeNote(deps: Deps): Promise<VeeamModeNote> {
  const { blueprints, applianceVersion } = await applianceBlueprints(deps);
  const rolesMatchVersion = blueprints[0]?.veeamVersion ?? 'unknown';
  const version = `roles match appliance version ${applianceVersion ?? 'unknown (newest lists)'} (blueprint ${rolesMatchVersion})`;
  if (deps.config.veeamMode !== 'organization')
    return {
      veeamMode: 'accounts',
      ...(applianceVersion ? { applianceVersion } : {}),
      rolesMatchVersion,
      note: `VEEAM_MODE=accounts: one IAM-role entry per account and role, external IDs rotated; ${version}`,
    };
  const pending = Object.keys((await readRescanState(deps)).pending).sort();
  return {
    veeamMode: 'organization',
    ...(applianceVersion ? { applianceVersion } : {}),
    rolesMatchVersion,
    pendingRescan: pending,
    note:
      'VEEAM_MODE=organization: no per-account IAM-role entries and no external-ID rotation (the organization ' +
      `settings name the roles; the appliance finds accounts by an organization rescan); ${version}` +
      (pending.length ? `; waiting for the organization rescan: ${pending.join(', ')}` : ''),
  };
}
