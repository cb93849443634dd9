import type { Deps } from '../deps';
import type { AccountRequest } from '../queue/types';
import type { AccountReport } from './account-report';
import { convergeAccount } from './converge-account';
import { knownFromPlan } from './planned';
import { recordAccount } from './record-account';
import { rotateAccount } from './rotate-account';

/**
 * One queued account request, as the worker receives it: a rotation when the request asks for one, otherwise
 * convergence (using the reconcile plan's reading of the account while it is fresh); then the account's metrics and
 * its not-protected warning. `lastAttempt: false` while the queue will redeliver a retryable failure, so it is not
 * yet reported as an unprotected account nor announced.
 */
export async function handleAccountRequest(
  deps: Deps,
  req: AccountRequest,
  opts: { lastAttempt?: boolean } = {},
): Promise<AccountReport> {
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
}
