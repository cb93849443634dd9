import type { Config } from '../../config';
import type { RoleBlueprint } from '../types';
import { backup } from './backup';
import { worker } from './worker';

type BlueprintData = Omit<RoleBlueprint, 'roleName'>;

/** One line per blueprint: its data and where its IAM role name comes from. */
const REGISTRY: ReadonlyArray<
  readonly [BlueprintData, (c: Pick<Config, 'backupRoleName' | 'workerRoleName'>) => string]
> = [
  [backup, (c) => c.backupRoleName],
  [worker, (c) => c.workerRoleName],
];

export function blueprints(config: Pick<Config, 'backupRoleName' | 'workerRoleName'>): RoleBlueprint[] {
  return REGISTRY.map(([data, roleName]) => ({ ...data, roleName: roleName(config) }));
}
