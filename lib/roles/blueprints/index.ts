import { DEFAULT_INSTALLATION_ID, type Config } from '../../config';
import type { RoleBlueprint } from '../types';
import { backup } from './backup';
import { worker } from './worker';

type BlueprintData = Omit<RoleBlueprint, 'roleName' | 'installationId'>;
type BlueprintConfig = Pick<Config, 'backupRoleName' | 'workerRoleName'> & Partial<Pick<Config, 'installationId'>>;

/** One line per blueprint: its data and where its IAM role name comes from. */
const REGISTRY: ReadonlyArray<
  readonly [BlueprintData, (c: Pick<Config, 'backupRoleName' | 'workerRoleName'>) => string]
> = [
  [backup, (c) => c.backupRoleName],
  [worker, (c) => c.workerRoleName],
];

/** The production wiring passes the whole Config; tools that only render blueprints get the default installation. */
export function blueprints(config: BlueprintConfig): RoleBlueprint[] {
  const installationId = config.installationId ?? DEFAULT_INSTALLATION_ID;
  return REGISTRY.map(([data, roleName]) => ({ ...data, roleName: roleName(config), installationId }));
}
