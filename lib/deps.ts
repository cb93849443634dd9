import type { Config } from './config';
import type { LifecycleEvents } from './lifecycle/types';
import type { Organization } from './organizations/types';
import type { AccountQueue } from './queue/types';
import type { MemberAccess } from './member/types';
import type { RoleBlueprint } from './roles/types';
import type { StateStore } from './state/types';
import type { Sleep } from './util/sleep';
import type { VeeamApi } from './veeam/types';

/**
 * Everything convergence touches, as ports. Lambda, the CLI, the sandbox and the tests build this once with
 * their adapters (AWS SDK clients, possibly mocked; the Veeam client against the appliance or the simulator)
 * and run the same code.
 */
export interface Deps {
  config: Config;
  blueprints: RoleBlueprint[];
  org: Organization;
  member: MemberAccess;
  /** A logged-in Veeam client; the login happens once and is reused (see lib/veeam/client.ts). */
  veeam: () => Promise<VeeamApi>;
  /** Where reconcile and rotate fan out to (SQS in Lambda; in-process in the CLI and sandbox). */
  queue?: AccountQueue;
  /** Where lifecycle events (Account Protected, ...) go; none in tests and tools that do not wire it. */
  lifecycle?: LifecycleEvents;
  /** Shared durable state (STATE_TABLE_NAME); absent where no table is configured. */
  state?: StateStore;
  now: () => Date;
  sleep: Sleep;
}
