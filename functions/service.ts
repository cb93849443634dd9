import { convergeAccount } from '../lib/account/converge-account';
import { knownFromPlan } from '../lib/account/planned';
import { recordAccount } from '../lib/account/record-account';
import type { AccountReport } from '../lib/account/account-report';
import type { Deps } from '../lib/deps';
import { scheduleRotations, type RotationSchedule } from '../lib/fleet/due-rotations';
import { announceCoverage } from '../lib/fleet/coverage';
import { reconcile, type ReconcileReport } from '../lib/fleet/reconcile';
import type { AccountRequest } from '../lib/queue/types';
import { rotateAccount } from '../lib/account/rotate-account';
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
    async handle(req, opts = {}) {
      const last = opts.lastAttempt === false ? { lastAttempt: false } : {};
      const known = knownFromPlan(req.plan, deps.now());
      const report =
        req.action === 'rotate'
          ? await rotateAccount(deps, req.accountId, { ...(req.force ? { force: true } : {}), ...last })
          : await convergeAccount(deps, req.accountId, {
              dryRun: false,
              reason: req.reason,
              ...(known ? { known } : {}),
              ...last,
            });
      recordAccount(report, last);
      return report;
    },
    async reconcile(o) {
      const report = await reconcile(deps, { ...o, mode: 'fan-out' });
      // The scheduled run also reads backup-policy coverage (AccountsNotCovered, Account Not Covered once per change).
      if (!o.dryRun && !o.accountIds?.length) await announceCoverage(deps);
      return report;
    },
    scheduleRotations: (o) => scheduleRotations(deps, o),
  };
}

type FunctionWiring = Pick<WiringOptions, 'memberAccess' | 'accountQueue'>;
let wiring: FunctionWiring = {};
const service = memoUntilFailure(() => Promise.resolve().then(() => createService(buildDeps(wiring))));

/**
 * Once per container; a ConfigError is not cached, so every invocation reports it until the stack is fixed.
 * `functionWiring` is what the calling function bundles for use at once (the worker: member access; reconcile and
 * rotate: the account queue). A container runs one function, which always passes the same: the first build uses it.
 */
export const getService = (functionWiring: FunctionWiring = {}): Promise<SyncService> => {
  wiring = functionWiring;
  return service.get();
};

/** Tests and the sandbox start each story from a cold container. */
export const resetService = (): void => service.reset();
