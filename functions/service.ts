import { handleAccountRequest } from '../lib/account/handle-request';
import type { AccountReport } from '../lib/account/account-report';
import type { Deps } from '../lib/deps';
import { scheduleRotations, type RotationSchedule } from '../lib/fleet/due-rotations';
import { announceCoverage } from '../lib/fleet/coverage';
import { lambdaDispatcher, reconcile, type ReconcileReport } from '../lib/fleet/reconcile';
import type { AccountRequest } from '../lib/queue/types';
import { memoUntilFailure } from '../lib/util/memo-until-failure';
import { buildDeps, type WiringOptions } from '../lib/wiring';

export type { ReconcileReport } from '../lib/fleet/reconcile';

/** What the Lambda handlers call; each method is one use case over the same Deps. */
export interface SyncService {
  /** `lastAttempt: false` while the queue will redeliver a retryable failure (no lifecycle event for it yet). */
  handle(req: AccountRequest, opts?: { lastAttempt?: boolean }): Promise<AccountReport>;
  reconcile(opts: {
    dryRun: boolean;
    accountIds?: string[];
    deep?: boolean;
    allowOffboard?: number;
  }): Promise<ReconcileReport>;
  scheduleRotations(opts: { accountIds?: string[]; force?: boolean }): Promise<RotationSchedule>;
}

function createService(deps: Deps): SyncService {
  return {
    handle: (req, opts) => handleAccountRequest(deps, req, opts),
    async reconcile({ deep, ...o }) {
      const report = await reconcile(deps, { ...o, dispatcher: lambdaDispatcher({ ...o, deep }) });
      // The scheduled run also reads backup-policy coverage (AccountsNotCovered, Account Not Covered once per change).
      if (!o.dryRun && !o.accountIds?.length) await announceCoverage(deps);
      return report;
    },
    scheduleRotations: (o) => scheduleRotations(deps, o),
  };
}

type FunctionWiring = Pick<WiringOptions, 'memberAccess' | 'accountQueue'>;
let service: ReturnType<typeof memoUntilFailure<SyncService>> | undefined;

/**
 * Once per container; a ConfigError is not cached, so every invocation reports it until the stack is fixed.
 * `functionWiring` is what the calling function bundles for use at once (the worker: member access; reconcile and
 * rotate: the account queue). A container runs one function, which always passes the same: the first call's wiring
 * is the container's.
 */
export const getService = (functionWiring: FunctionWiring = {}): Promise<SyncService> => {
  service ??= memoUntilFailure(() => Promise.resolve().then(() => createService(buildDeps(functionWiring))));
  return service.get();
};

/** Tests and the sandbox start each story from a cold container. */
export const resetService = (): void => {
  service = undefined;
};
