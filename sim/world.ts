import type { Context, SQSEvent } from 'aws-lambda';
import { installDynamoDbFake } from './aws/dynamodb-fake';
import { installEventBridgeFake } from './aws/eventbridge-fake';
import { installIamStsFake, type IamStsFake } from './aws/iam-sts';
import { OrganizationsFake } from './aws/organizations-fake';
import { installSqsFake } from './aws/sqs-fake';
import { lambdaContext, sqsRecord } from './lambda';
import { startSecretsExtensionSimulator, type SecretsExtensionSimulator } from './secrets-extension';
import { DEFAULT_SIM_USER, startVeeamSimulator, type VeeamSimulator } from './veeam';
import { useClock, type Clock } from '../lib/util/clock';

export const MANAGEMENT_ACCOUNT = '111111111111';
export const APPLIANCE_ROLE_ARN = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/VeeamApplianceImpersonation`;
const REGION = 'us-east-1';
const queueUrl = (name: string) => `https://sqs.${REGION}.amazonaws.com/${MANAGEMENT_ACCOUNT}/veeam-org-sync-${name}`;
export const QUEUES = {
  account: queueUrl('accounts.fifo'),
  intakeDlq: queueUrl('intake-dlq'),
  workerDlq: queueUrl('worker-dlq.fifo'),
};
export const STATE_TABLE = 'veeam-org-sync-state';
const SECRET_ID = 'veeam-org-sync/appliance-admin';
const SESSION_TOKEN = 'sandbox-session-token';

export interface WorldOptions {
  offboardMode?: 'retain' | 'unregister' | 'delete';
  scopeOuIds?: (org: OrganizationsFake) => string[];
  /** Extra environment (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /**
   * Further installations in the same organization: the simulated StackSets of each deploy its own access role and
   * boundary beside this one's (the CLI of such an installation runs with its ACCESS_ROLE_NAME and INSTALLATION_ID).
   */
  otherInstallations?: Array<{ accessRoleName: string; installationId: string }>;
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * The world's time: real time plus whatever has been skipped. A wait of the service (clock.sleep) and a wait for a
 * message to become visible again skip ahead instead of passing, so minutes of retries take milliseconds, and the
 * fakes (AssumeRole readiness, credential expiry, SQS visibility) all read this one clock.
 */
export interface WorldClock extends Clock {
  /** Skips `ms` ahead. */
  advance: (ms: number) => void;
}

function worldClock(): WorldClock {
  let skipped = 0;
  return {
    now: () => Date.now() + skipped,
    advance(ms) {
      skipped += Math.max(0, ms);
    },
    sleep(ms) {
      skipped += Math.max(0, ms);
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/**
 * The whole product on one machine: an in-memory organization, IAM/STS and SQS (aws-sdk-client-mock over
 * stateful fakes), the Veeam REST simulator over HTTPS with its self-signed certificate pinned, and the
 * Parameters and Secrets extension simulator. The real Lambda handlers run against it, configured only through
 * the environment, exactly as in AWS.
 */
export async function startWorld(opts: WorldOptions = {}) {
  const clock = worldClock();
  // The simulated StackSet gives every account iam.addAccount creates the dedicated access role (MEMBER_ACCESS
  // defaults to dedicated); MEMBER_ACCESS=existing in `env` makes the functions use OrganizationAccountAccessRole.
  const iam: IamStsFake = installIamStsFake({
    managementAccountId: MANAGEMENT_ACCOUNT,
    accessRole: {
      roleName: 'VeeamOrgSyncAccess',
      manages: ['VeeamBackupRole', 'VeeamWorkerRole'],
      ...(opts.env?.INSTALLATION_ID ? { installationId: opts.env.INSTALLATION_ID } : {}),
      others: (opts.otherInstallations ?? []).map((o) => ({
        roleName: o.accessRoleName,
        installationId: o.installationId,
      })),
    },
    now: clock.now,
  });
  const org = new OrganizationsFake({ managementAccountId: MANAGEMENT_ACCOUNT });
  const sqs = installSqsFake({ now: clock.now });
  // Lifecycle events the service puts (Account Protected, ...).
  const eventBus = installEventBridgeFake();
  // The stack's state table (offboarding budget, pending rescan, what was announced).
  const ddb = installDynamoDbFake({ tables: [STATE_TABLE] });
  const veeam: VeeamSimulator = await startVeeamSimulator({
    // A rescan succeeds only if the appliance could really assume the role with the ID it holds.
    assumeCheck: (accountId, roleName, externalId) =>
      iam.canAssume(accountId, roleName, APPLIANCE_ROLE_ARN, externalId),
  });
  const ext: SecretsExtensionSimulator = await startSecretsExtensionSimulator({
    secrets: {
      [SECRET_ID]: JSON.stringify({ username: DEFAULT_SIM_USER.username, password: DEFAULT_SIM_USER.password }),
    },
    token: SESSION_TOKEN,
  });

  const env: Record<string, string> = {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: `FAKE${MANAGEMENT_ACCOUNT}SERVICE`,
    AWS_SECRET_ACCESS_KEY: 'sandbox-secret-key',
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    AWS_LAMBDA_FUNCTION_NAME: 'veeam-org-sync-sandbox',
    // Set by Lambda; Powertools reports cold_start only for on-demand containers.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port),
    VEEAM_URL: veeam.url,
    VEEAM_SECRET_ID: SECRET_ID,
    VEEAM_CERT_SHA256: veeam.certSha256,
    VEEAM_PRINCIPAL_ARN: APPLIANCE_ROLE_ARN,
    OFFBOARD_MODE: opts.offboardMode ?? 'unregister',
    PROPAGATION_WAIT_SECONDS: '0',
    ACCOUNT_QUEUE_URL: QUEUES.account,
    STATE_TABLE_NAME: STATE_TABLE,
    INTAKE_DLQ_URL: QUEUES.intakeDlq,
    WORKER_DLQ_URL: QUEUES.workerDlq,
    MAX_RECEIVE_COUNT: '5',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...(opts.env ?? {}),
  };
  const scope = opts.scopeOuIds?.(org);
  if (scope?.length) env.SCOPE_OU_IDS = scope.join(',');
  const saved = { ...process.env };
  Object.assign(process.env, env);
  useClock(clock);

  // Imported after the environment is set, as Lambda loads a handler after its configuration.
  const intake = (await import('../functions/intake')).handler as unknown as Handler<unknown, unknown>;
  const worker = (await import('../functions/worker')).handler as unknown as Handler<
    SQSEvent,
    { batchItemFailures: { itemIdentifier: string }[] }
  >;
  const reconcile = (await import('../functions/reconcile')).handler as unknown as Handler<unknown, unknown>;
  const rotate = (await import('../functions/rotate')).handler as unknown as Handler<unknown, unknown>;
  const { resetService } = await import('../functions/service');
  const { resetVeeamSessions } = await import('../lib/veeam/session-cache');
  resetService();
  resetVeeamSessions();

  return {
    iam,
    org,
    sqs,
    eventBus,
    ddb,
    veeam,
    ext,
    env,
    clock,
    deliverEvent: (event: unknown) => intake(event, lambdaContext('intake')),
    invokeReconcile: (payload: unknown) => reconcile(payload, lambdaContext('reconcile')),
    invokeRotate: (payload: unknown) => rotate(payload, lambdaContext('rotate')),
    invokeWorker: (event: SQSEvent) => worker(event, lambdaContext('worker')),
    /**
     * Feeds the account queue to the worker in batches of 10, like the event source mapping; failed items go
     * back on the queue and are delivered again once visible (the redelivery delay the worker set, or the
     * visibility timeout): when nothing is visible, the clock skips to the next message. Stops when the queue is
     * empty or after `maxRounds` deliveries.
     */
    async drain(maxRounds = 20): Promise<{ delivered: number; failed: number }> {
      let delivered = 0;
      let failed = 0;
      for (let round = 0; round < maxRounds; round++) {
        let batch = sqs.take(QUEUES.account, 10);
        if (!batch.length) {
          const next = sqs.nextVisibleAt(QUEUES.account);
          if (next === undefined) break;
          clock.advance(next - clock.now());
          batch = sqs.take(QUEUES.account, 10);
          if (!batch.length) break;
        }
        delivered += batch.length;
        const res = await worker({ Records: batch.map((m) => sqsRecord(m)) }, lambdaContext('worker'));
        const failedIds = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
        failed += failedIds.size;
        if (failedIds.size) sqs.failed(batch.filter((m) => failedIds.has(m.messageId)));
        sqs.done(batch.filter((m) => !failedIds.has(m.messageId)));
      }
      return { delivered, failed };
    },
    async stop() {
      await veeam.stop();
      await ext.stop();
      iam.restore();
      org.restore();
      sqs.restore();
      eventBus.restore();
      ddb.restore();
      useClock();
      for (const k of Object.keys(env)) delete process.env[k];
      Object.assign(process.env, saved);
    },
  };
}

export type World = Awaited<ReturnType<typeof startWorld>>;
