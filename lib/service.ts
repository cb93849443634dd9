import { config as envConfig, type Config } from './config';
import { convergeAccount } from './converge';
import type { Deps } from './deps';
import { logger } from './log';
import { memoUntilFailure } from './memo';
import { sleep } from './sleep';
import { StsMemberAccess } from './member/member-access';
import { recordAccount } from './metrics';
import { AwsOrganization } from './org/aws-organization';
import { SqsAccountQueue } from './queue/sqs-queue';
import type { AccountRequest } from './queue/types';
import { reconcile, type ReconcileReport } from './reconcile';
import type { AccountReport } from './report';
import { blueprints } from './roles/blueprints';
import { rotateAccount } from './rotation';
import { scheduleRotations, type RotationSchedule } from './rotation-schedule';
import { createSecretSource } from './secrets';
import { createVeeamClient } from './veeam/client';

export type { ReconcileReport } from './reconcile';

/** What the Lambda handlers call; each method is one use case over the same Deps. */
export interface SyncService {
  handle(req: AccountRequest): Promise<AccountReport>;
  reconcile(opts: { dryRun: boolean; accountIds?: string[]; deep?: boolean }): Promise<ReconcileReport>;
  scheduleRotations(opts: { accountIds?: string[]; force?: boolean }): Promise<RotationSchedule>;
}


/**
 * The production adapters, built once per container (SDK clients, credential cache and Veeam token survive
 * warm invocations). Nothing here does I/O: the first call does, inside the handler.
 */
export function buildDeps(opts: { config?: Config; purpose?: string } = {}): Deps {
  const cfg = opts.config ?? envConfig();
  const secrets = createSecretSource(cfg);
  const veeam = createVeeamClient({ config: cfg, secrets, logger });
  return {
    config: cfg,
    blueprints: blueprints(cfg),
    org: new AwsOrganization(),
    member: new StsMemberAccess({ config: cfg, ...(opts.purpose ? { purpose: opts.purpose } : {}) }),
    veeam: () => Promise.resolve(veeam),
    ...(cfg.accountQueueUrl ? { queue: new SqsAccountQueue(cfg.accountQueueUrl) } : {}),
    now: () => new Date(),
    sleep,
  };
}

function createService(deps: Deps): SyncService {
  return {
    async handle(req) {
      const report =
        req.action === 'rotate'
          ? await rotateAccount(deps, req.accountId, { ...(req.force ? { force: true } : {}) })
          : await convergeAccount(deps, req.accountId, { dryRun: false, reason: req.reason });
      recordAccount(report);
      return report;
    },
    reconcile: (o) => reconcile(deps, { ...o, mode: 'fan-out' }),
    scheduleRotations: (o) => scheduleRotations(deps, o),
  };
}

const service = memoUntilFailure(() => Promise.resolve().then(() => createService(buildDeps())));

/** Once per container; a ConfigError is not cached, so every invocation reports it until the stack is fixed. */
export const getService = (): Promise<SyncService> => service.get();

/** Tests and the sandbox start each story from a cold container. */
export const resetService = (): void => service.reset();
