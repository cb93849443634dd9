import type { AccountReport } from '../../lib/account/account-report';
import type { CommandResult } from '../context';
import { explainAwsError } from '../failure';
import { renderAccounts } from '../render-accounts';

/** 1 when an account failed or is in conflict (someone must look), else 0. */
export function accountsExitCode(reports: AccountReport[]): number {
  return reports.some((r) => r.action === 'error' || r.action === 'conflict') ? 1 : 0;
}

/** Reports whose error is the operator's AWS environment (region, credentials) get the fix, and exit code 2. */
export function accountsResult(reports: AccountReport[], extra: Record<string, unknown> = {}): CommandResult {
  let environment = false;
  const explained = reports.map((r) => {
    const aws = r.error && explainAwsError(r.error);
    if (!aws || !r.error) return r;
    environment = true;
    return { ...r, error: { ...r.error, code: aws.code, message: aws.message } };
  });
  return {
    exitCode: environment ? 2 : accountsExitCode(explained),
    data: { ...extra, accounts: explained },
    text: renderAccounts(explained),
  };
}
