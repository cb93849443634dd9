import { config as envConfig, type Config } from './config';
import type { Deps } from './deps';
import type { LifecycleEvents } from './lifecycle/types';
import { logger } from './log';
import type { MemberAccessOptions } from './member/member-access';
import type { MemberAccess } from './member/types';
import { AwsOrganization } from './organizations/aws-organization';
import type { AccountQueue } from './queue/types';
import { blueprints } from './roles/blueprints';
import { createSecretSource } from './secrets';
import { DynamoDbStateStore } from './state/dynamodb-store';
import { clock } from './util/clock';
import { lazyPort } from './util/lazy-port';
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

/*
 * The adapters a function may never need in an invocation, each loaded with its first call (lazyPort): their modules
 * and SDK clients stay in chunks a cold start does not load.
 *  - member access: the reconcile and rotate functions plan from Organizations and the appliance and enter accounts
 *    only on a dry run that is deep or names accounts (the worker, which enters one per message, bundles it);
 *  - the account queue: the worker never fans out (reconcile and rotate, which send on every run, bundle it);
 *  - lifecycle events: most invocations change nothing and publish nothing.
 */
const memberAccessOnFirstUse = (options: MemberAccessOptions): MemberAccess =>
  lazyPort<MemberAccess>(['roles'], async () => new (await import('./member/member-access')).StsMemberAccess(options));

const sqsQueueOnFirstUse = (queueUrl: string): AccountQueue =>
  lazyPort<AccountQueue>(['send'], async () => new (await import('./queue/sqs-queue')).SqsAccountQueue(queueUrl));

const eventBridgeOnFirstUse = (busName: string): LifecycleEvents =>
  lazyPort<LifecycleEvents>(
    ['publish'],
    async () => new (await import('./lifecycle/eventbridge-lifecycle')).EventBridgeLifecycle(busName),
  );
