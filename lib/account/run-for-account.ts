import { assertAccountId } from '../account-id';
import type { Deps } from '../deps';
import { describeError } from '../errors';
import { logger } from '../log';
import { scopeOf, type ScopeDecision } from '../organizations/scope';
import type { AccountReport } from './account-report';

/**
 * The frame every per-account operation (convergence, rotation) runs in: validate the id, decide the scope (or take
 * the one a reconcile plan just read), and turn any failure into the report's `error` with `retryable`, so callers
 * decide requeue vs DLQ from one place.
 */
export async function runForAccount(
  deps: Deps,
  accountId: string,
  opts: { dryRun: boolean; what: string; scope?: ScopeDecision },
  body: (scope: ScopeDecision) => Promise<AccountReport>,
): Promise<AccountReport> {
  let scope = opts.scope;
  try {
    assertAccountId(accountId);
    scope ??= await scopeOf(deps.org, deps.config, accountId);
    return await body(scope);
  } catch (err) {
    const error = describeError(err);
    logger.error(`${opts.what} failed`, { accountId, error });
    return {
      accountId,
      dryRun: opts.dryRun,
      inScope: scope?.inScope ?? false,
      scopeReason: scope?.reason ?? 'unknown: failed before the scope was read',
      action: 'error',
      roles: [],
      error,
    };
  }
}
