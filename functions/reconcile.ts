import { logger } from '../lib/log';
import type { ReconcileReport } from './service';
import { getService } from './service';
import { parseReconcileInput } from './inputs';
import { wrap } from './wrap';
import { sqsAccountQueue } from '../lib/queue/sqs-queue';
import { queueUrls } from '../lib/queue/urls';

/**
 * Scheduled ({"dryRun": false}) or manual ({"dryRun": true, "accountIds": [...]}): plans desired vs actual and
 * enqueues the accounts that need work. Returns the report, so a manual invoke prints what would change.
 */
export async function reconcile(event: unknown): Promise<ReconcileReport> {
  const input = parseReconcileInput(event);
  // Before any Organizations or Veeam call is spent; a dry run needs no queue.
  if (!input.dryRun)
    queueUrls(['ACCOUNT_QUEUE_URL'], process.env, 'a reconcile that is not a dry run enqueues on the account queue');
  logger.info('reconcile started', { dryRun: input.dryRun, accountIds: input.accountIds });
  const service = await getService({ accountQueue: sqsAccountQueue });
  const report = await service.reconcile(input);
  // The full report can list every account of the organization: too big for every run's info log.
  logger.info('reconcile finished', { dryRun: report.dryRun });
  logger.debug('reconcile report', { report });
  return report;
}

export const handler = wrap(reconcile);
