import type { Deps } from '../deps';
import { forApplianceVersion, majorOf } from '../roles/blueprints/versions';
import type { RoleBlueprint } from '../roles/types';

/**
 * The blueprints as the appliance's version needs them (GET /api/v1/system/version, read once per client, i.e. per
 * container or CLI run): after an upgrade, the next convergence adds what the new version documents, everywhere.
 * An appliance that does not say gets the newest lists.
 */
export async function applianceBlueprints(
  deps: Pick<Deps, 'veeam' | 'blueprints'>,
): Promise<{ blueprints: RoleBlueprint[]; applianceVersion?: string }> {
  const version = await (await deps.veeam()).systemVersion();
  const major = majorOf(version);
  return {
    blueprints: deps.blueprints.map((bp) => forApplianceVersion(bp, major)),
    ...(version ? { applianceVersion: version } : {}),
  };
}

/** The same Deps with the blueprints for the appliance's version. */
export async function withApplianceBlueprints(deps: Deps): Promise<Deps> {
  const { blueprints } = await applianceBlueprints(deps);
  return { ...deps, blueprints };
}
