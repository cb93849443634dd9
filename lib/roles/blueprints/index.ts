import { DEFAULT_INSTALLATION_ID, type Config } from '../../config';
import type { RoleBlueprint } from '../types';
import { backup } from './backup';
import { forApplianceVersion } from './versions';
import { worker } from './worker';

type BlueprintData = Omit<RoleBlueprint, 'roleName' | 'installationId'>;
type BlueprintConfig = Pick<Config, 'backupRoleName' | 'workerRoleName'> &
  Partial<Pick<Config, 'installationId' | 'veeamMode' | 'workerRoleEnabled'>>;

/** One line per blueprint: its data and where its IAM role name comes from. */
const REGISTRY: ReadonlyArray<
  readonly [BlueprintData, (c: Pick<Config, 'backupRoleName' | 'workerRoleName'>) => string]
> = [
  [backup, (c) => c.backupRoleName],
  [worker, (c) => c.workerRoleName],
];

/**
 * The production wiring passes the whole Config; tools that only render blueprints get the default installation.
 * `applianceMajor`: the version the appliance reports (GET /api/v1/system/version); undefined = the newest lists.
 * Organizations mode registers nothing per account: the appliance finds the same-named roles by the org settings.
 */
export function blueprints(config: BlueprintConfig, applianceMajor?: number): RoleBlueprint[] {
  const installationId = config.installationId ?? DEFAULT_INSTALLATION_ID;
  const register = config.veeamMode !== 'organization';
  return REGISTRY.filter(([data]) => data.key !== 'worker' || config.workerRoleEnabled !== false).map(
    ([data, roleName]) => ({
      ...forApplianceVersion(data, applianceMajor),
      roleName: roleName(config),
      installationId,
      register: data.register && register,
    }),
  );
}
