import { config as envConfig, type Config } from './config';
import type { Deps } from './deps';
import { EventBridgeLifecycle } from './lifecycle/eventbridge-lifecycle';
import { logger } from './log';
import { StsMemberAccess } from './member/member-access';
import { AwsOrganization } from './org/aws-organization';
import { SqsAccountQueue } from './queue/sqs-queue';
import { blueprints } from './roles/blueprints';
import { createSecretSource } from './secrets';
import { clock } from './util/clock';
import { createVeeamClient } from './veeam/client';

/**
 * The production adapters, built once per container (SDK clients, credential cache and Veeam token survive
 * warm invocations). Nothing here does I/O: the first call does, inside the handler.
 */
export function buildDeps(opts: { config?: Config; purpose?: string } = {}): Deps {
  const cfg = opts.config ?? envConfig();
  const secrets = createSecretSource(cfg);
  const veeam = createVeeamClient({ config: cfg, secrets, logger });
  const org = new AwsOrganization();
  return {
    config: cfg,
    blueprints: blueprints(cfg),
    org,
    member: new StsMemberAccess({
      config: cfg,
      organizationManagementAccountId: () => org.managementAccountId(),
      ...(opts.purpose ? { purpose: opts.purpose } : {}),
    }),
    veeam: () => Promise.resolve(veeam),
    ...(cfg.accountQueueUrl ? { queue: new SqsAccountQueue(cfg.accountQueueUrl) } : {}),
    lifecycle: new EventBridgeLifecycle(cfg.eventBusName),
    now: () => new Date(clock.now()),
    sleep: clock.sleep,
  };
}
