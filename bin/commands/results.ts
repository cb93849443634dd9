import type { AccountReport } from '../../lib/account/account-report';
import type { CommandResult } from '../context';
import { explainAwsError } from '../failure';
import { renderAccounts } from '../render-accounts';

/** Exit code of a run where an offboarding was held (by the budget, or for want of one): nothing was removed. */
export const HELD_EXIT = 3;

/**
 * Accounts whose error has a cause the operator can act on (no region, no credentials, a host that does not resolve)
 * get the fix instead of the SDK's words; `exitCode` is then 2 (configuration), else 3 when an offboarding was held,
 * else 1 when an account failed or is in conflict, else 0.
 */
export function explainAccounts(reports: AccountReport[]): { reports: AccountReport[]; exitCode: number } {
  let environment = false;
  const explained = reports.map((r) => {
    const aws = r.error && explainAwsError(r.error);
    if (!aws || !r.error) return r;
    if (aws.exitCode === 2) environment = true;
    return { ...r, error: { ...r.error, code: aws.code, message: aws.message } };
  });
  const failed = explained.some((r) => r.action === 'error' || r.action === 'conflict');
  const held = explained.some((r) => r.action === 'held');
  return { reports: explained, exitCode: environment ? 2 : held ? HELD_EXIT : failed ? 1 : 0 };
}

export function accountsResult(reports: AccountReport[], extra: Record<string, unknown> = {}): CommandResult {
  const { reports: explained, exitCode } = explainAccounts(reports);
  return { exitCode, data: { ...extra, accounts: explained }, text: renderAccounts(explained) };
}
