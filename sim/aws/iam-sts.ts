import {
  createAccountRegistry,
  type AccountRegistry,
  type AccountRegistryOptions,
  type FakeState,
} from './account-registry';
import { createCallLog, type CallLog } from './fake-calls';
import { installIamFake, throttlingError } from './iam-fake';
import { installStsFake, type StsFake } from './sts-fake';

/**
 * IAM and STS of every simulated account, installed together over one account registry (AssumeRole checks the
 * trust IAM stored; IAM answers the caller STS issued credentials to) and one call log: what tests, the sandbox and
 * the bench use. The services themselves: iam-fake.ts and sts-fake.ts.
 */

export type IamStsFakeOptions = AccountRegistryOptions;

export interface IamStsFake
  extends
    Omit<AccountRegistry, 'options' | 'now' | 'accessRoles' | 'nextId' | 'identityOf' | 'clear'>,
    Omit<CallLog, 'serve' | 'clear'>,
    Pick<StsFake, 'canAssume'> {
  state: FakeState;
  /** The next `times` calls of `command` fail with IAM's throttling error (400 Throttling: Rate exceeded). */
  throttle(command: string, times?: number): void;
  /** Forgets every account, credential, call and injected failure. */
  reset(): void;
  restore(): void;
}

export function installIamStsFake(opts: IamStsFakeOptions = {}): IamStsFake {
  const registry = createAccountRegistry(opts);
  const log = createCallLog(registry);
  const iam = installIamFake(registry, log);
  const sts = installStsFake(registry, log);
  return {
    state: registry.state,
    calls: log.calls,
    afterCall: log.afterCall,
    writes: log.writes,
    callsOf: log.callsOf,
    failNext: log.failNext,
    throttle: (command, times = 1) => log.failNext(command, () => throttlingError(), times),
    addAccount: registry.addAccount,
    deployAccessRole: registry.deployAccessRole,
    servicePrincipalArn: registry.servicePrincipalArn,
    addRole: registry.addRole,
    account: registry.account,
    role: registry.role,
    trustOf: registry.trustOf,
    credentialsFor: registry.credentialsFor,
    canAssume: sts.canAssume,
    reset() {
      registry.clear();
      log.clear();
      iam.reset();
      sts.reset();
    },
    restore() {
      iam.restore();
      sts.restore();
    },
  };
}
