import { logger } from '../lib/log';
import type { SyncService } from './service';
import { getService } from './service';
import { parseRotateInput } from './inputs';
import { wrap } from './wrap';
import { sqsAccountQueue } from '../lib/queue/sqs-queue';
import { queueUrls } from '../lib/queue/urls';

/** Scheduled daily (or invoked with {"accountIds": [...], "force": true}): enqueues rotations for the accounts due. */
export async function rotate(event: unknown): ReturnType<SyncService['scheduleRotations']> {
  const input = parseRotateInput(event);
  queueUrls(['ACCOUNT_QUEUE_URL'], process.env, 'the rotate function enqueues the due rotations');
  const service = await getService({ accountQueue: sqsAccountQueue });
  const result = await service.scheduleRotations(input);
  logger.info('rotations enqueued', { enqueued: result.enqueued, accounts: result.accounts });
  return result;
}

export const handler = wrap(rotate);
