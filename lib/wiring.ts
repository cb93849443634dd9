import { config as envConfig, type Config } from './config';
import type { Deps } from './deps';
import { eventBridgeOnFirstUse } from './lifecycle/on-first-use';
import { logger } from './log';
import type { MemberAccessOptions } from './member/member-access';
import { memberAccessOnFirstUse } from './member/on-first-use';
import type { MemberAccess } from './member/types';
import { AwsOrganization } from './organizations/aws-organization';
import { sqsQueueOnFirstUse } from './queue/on-first-use';
import type { AccountQueue } from './queue/types';
import { blueprints } from './roles/blueprints';
import { createSecretSource } from './secrets';
import { DynamoDbStateStore } from './state/dynamodb-store';
import { clock } from './util/clock';
import { createVeeamClient } from './veeam/client';

export interface WiringOptions {
  config?: Config;
  purpose?: string;
  /**
   * How member access is built. Default: loaded on first use (the reconcile and rotate functions rarely enter a
   * member account); the worker, which enters one with every message, passes the StsMemberAccess it bundles.
   */
  memberAccess?: (options: MemberAccessOptions) => MemberAccess;
  /** How the account queue is built. Default: its SQS code loaded with the first send; reconcile and rotate, which
   * send on every run, pass the SqsAccountQueue they bundle. */
  accountQueue?: (queueUrl: string) => AccountQueue;
}

/**
 * The production adapters, built once per container (SDK clients, credential cache and Veeam token survive
 * warm invocations). Nothing here does I/O: the first call does, inside the handler.
 */
export function buildDeps(opts: WiringOptions = {}): Deps {
  const cfg = opts.config ?? envConfig();
  const secrets = createSecretSource(cfg);
  const veeam = createVeeamClient({ config: cfg, secrets, logger });
  const org = new AwsOrganization();
  const memberAccess = opts.memberAccess ?? memberAccessOnFirstUse;
  const accountQueue = opts.accountQueue ?? sqsQueueOnFirstUse;
  return {
    config: cfg,
    blueprints: blueprints(cfg),
    org,
    member: memberAccess({
      config: cfg,
      ...(opts.purpose ? { purpose: opts.purpose } : {}),
    }),
    veeam: () => Promise.resolve(veeam),
    ...(cfg.accountQueueUrl ? { queue: accountQueue(cfg.accountQueueUrl) } : {}),
    lifecycle: eventBridgeOnFirstUse(cfg.eventBusName),
    ...(cfg.stateTableName ? { state: new DynamoDbStateStore(cfg.stateTableName) } : {}),
    now: () => new Date(clock.now()),
    sleep: clock.sleep,
  };
}
