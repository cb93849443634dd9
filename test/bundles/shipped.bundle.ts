import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  extractShipped,
  modulesReached,
  packageService,
  runShipped,
  type RunResult,
  type Shipped,
  type ShippedFunction,
} from '../../bench/bundle-runner';
import { endpointEnv, queueUrlVia, startAwsHttpGateway, type AwsHttpGateway } from '../../sim/aws/http-gateway';
import { lambdaContext, scheduledEvent, sqsRecord } from '../../sim/lambda';
import { DEFAULT_SIM_USER } from '../../sim/veeam';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';

const ZIP_LIMIT_BYTES = 300 * 1024;
const NEW_ACCOUNT = '444455556666';
const OU = 'ou-ab12-22222222';
const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8')) as Record<string, unknown>;

/**
 * What we ship, tested as shipped: each function's zip, extracted outside the repository, loaded by a fresh Node
 * process that can resolve nothing but its bundle, with its bundled AWS SDK talking AWS wire protocols to the
 * project's fakes (sim/aws/http-gateway.ts), the Veeam simulator over pinned HTTPS and the secrets extension
 * simulator. BUNDLES_PACKAGE=<folder> runs a package just made there
 * (`serverless package --package <folder>`: .ci/run packages while the static checks run) instead of packaging again.
 */
describe('the packaged functions, run from their zips', () => {
  let shipped: Shipped;
  let world: World;
  let gateway: AwsHttpGateway;
  let env: Record<string, string>;
  const fn = (name: string): ShippedFunction => {
    const found = shipped.functions.find((f) => f.name === name);
    if (!found) throw new Error(`no packaged function ${name}`);
    return found;
  };
  const invoke = (name: string, event: unknown): Promise<RunResult> =>
    runShipped(fn(name), {
      mode: 'invoke',
      env: { ...env, AWS_LAMBDA_FUNCTION_NAME: `veeam-org-sync-dev-${name}` },
      nodeOptions: shipped.nodeOptions,
      event,
      context: lambdaContext(`veeam-org-sync-dev-${name}`),
    });
  const expectOk = (run: RunResult) => {
    if (!run.ok)
      throw new Error(`${run.phase} failed: ${run.error?.name}: ${run.error?.message}\n${run.logs.join('\n')}`);
  };

  beforeAll(async () => {
    const made = process.env.BUNDLES_PACKAGE;
    if (!made) packageService();
    shipped = extractShipped(made);
    world = await startWorld();
    gateway = await startAwsHttpGateway();
    world.org.createOu(undefined, OU);
    world.org.createAccount({ id: NEW_ACCOUNT, name: 'app-prod', parentId: OU });
    world.iam.addAccount(NEW_ACCOUNT);
    env = {
      ...world.env,
      ...endpointEnv(gateway.url),
      ACCOUNT_QUEUE_URL: queueUrlVia(gateway.url, QUEUES.account),
      INTAKE_DLQ_URL: queueUrlVia(gateway.url, QUEUES.intakeDlq),
      WORKER_DLQ_URL: queueUrlVia(gateway.url, QUEUES.workerDlq),
      LOG_LEVEL: 'INFO',
      // Lambda runs Node 22; the SDK's notice about an older local Node is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await gateway?.stop();
    await world?.stop();
    shipped?.cleanup();
  });

  it('ships the four functions: each zip holds its handler module and its own chunks, no source map, at most 300 KB', () => {
    expect(shipped.functions.map((f) => f.name).sort()).toEqual(['intake', 'reconcile', 'rotate', 'worker']);
    for (const f of shipped.functions) {
      expect(f.file).toBe(`functions/${f.name}.js`);
      const own = (name: string) =>
        name === f.file ||
        name === 'functions/package.json' ||
        new RegExp(`^functions/${f.name}\\.chunks/[^/]+\\.js$`).test(name);
      expect(f.entries.map((e) => e.name).filter((name) => !own(name))).toEqual([]);
      // Every module shipped is one the handler can load, at init or on first use: no chunk of an earlier build.
      const reached = modulesReached(f, { dynamic: true });
      expect(f.entries.map((e) => e.name).filter((name) => name.endsWith('.js') && !reached.has(name))).toEqual([]);
      expect(f.zipBytes).toBeLessThanOrEqual(ZIP_LIMIT_BYTES);
    }
    expect(shipped.nodeOptions).not.toMatch(/enable-source-maps/);
  });

  it('loads every handler from its zip alone, with the AWS SDK inside the bundle', async () => {
    for (const f of shipped.functions) {
      const run = await runShipped(f, { mode: 'load', env, nodeOptions: shipped.nodeOptions });
      expectOk(run);
      // ES modules, as the package.json beside them says.
      expect(JSON.parse(readFileSync(path.join(f.dir, 'functions', 'package.json'), 'utf8'))).toEqual({
        type: 'module',
      });
      const shippedCode = f.entries
        .filter((e) => e.name.endsWith('.js'))
        .map((e) => readFileSync(path.join(f.dir, e.name), 'utf8'))
        .join('\n');
      // The SDK is inside (its clients name themselves), and no source map is referenced.
      expect(shippedCode).toContain('"SQSClient"');
      expect(shippedCode).not.toMatch(/sourceMappingURL/);
      // Credentials come from the environment Lambda sets: the default chain's SSO and profile providers stay out.
      expect(shippedCode).toContain('AWS_ACCESS_KEY_ID');
      expect(shippedCode).not.toContain('sso_start_url');
    }
  });

  it.each([
    ['an ES module', 'external.mjs', "import '@aws-sdk/client-sqs'; export const handler = async () => 1;"],
    ['a CommonJS module', 'external.js', "require('@aws-sdk/client-sqs'); exports.handler = async () => 1;"],
  ])(
    'fences module resolution to the zip: %s that needs node_modules fails even inside the repository',
    async (_, file, code) => {
      // Inside the repository node_modules would be found by walking up: the runner must refuse it anyway.
      const dir = path.join(__dirname, '..', '..', '.serverless', 'fence-probe');
      mkdirSync(path.join(dir, 'functions'), { recursive: true });
      writeFileSync(path.join(dir, 'functions', file), code);
      try {
        const probe: ShippedFunction = { ...fn('intake'), name: 'probe', dir, entries: [], file: `functions/${file}` };
        const run = await runShipped(probe, { mode: 'load', env, nodeOptions: shipped.nodeOptions });
        expect(run.ok).toBe(false);
        expect(run.error?.message).toMatch(/the bundle reached outside itself: @aws-sdk\/client-sqs/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('drives a new account from its creation event to protected: intake -> queue -> worker', async () => {
    const intake = await invoke('intake', fixture('create-account-result-succeeded'));
    expectOk(intake);
    expect(intake.result).toMatchObject({ outcome: 'enqueued', accountId: NEW_ACCOUNT });
    // The bundled SQS client reached the fake through AWS_ENDPOINT_URL_SQS.
    expect(gateway.calls).toContainEqual(expect.objectContaining({ service: 'sqs', status: 200, path: '/sqs/' }));

    const messages = world.sqs.take(QUEUES.account, 10);
    expect(messages.map((m) => JSON.parse(m.body) as unknown)).toEqual([
      expect.objectContaining({ accountId: NEW_ACCOUNT, action: 'sync', reason: 'CreateAccountResult' }),
    ]);
    const event: SQSEvent = { Records: messages.map((m) => sqsRecord(m)) };
    const worker = await invoke('worker', event);
    expectOk(worker);
    expect(worker.result).toEqual({ batchItemFailures: [] });

    // Protected: both roles in the member account, each registered once in Veeam with the ID its trust requires.
    const entries = world.veeam.state.list().filter((e) => e.accountId === NEW_ACCOUNT);
    expect(entries.map((e) => e.name).sort()).toEqual([`${NEW_ACCOUNT}-backup`, `${NEW_ACCOUNT}-worker`]);
    for (const e of entries) {
      expect(world.iam.role(NEW_ACCOUNT, e.roleName)).toBeDefined();
      expect(world.iam.canAssume(NEW_ACCOUNT, e.roleName, APPLIANCE_ROLE_ARN, e.externalId)).toBe(true);
    }
    // IAM and STS went over the Query protocol, with the member account's assumed credentials for IAM.
    expect(world.iam.writes(NEW_ACCOUNT).length).toBeGreaterThan(0);
    for (const service of ['sts', 'iam'])
      expect(gateway.calls.some((c) => c.service === service && c.path === `/${service}/`)).toBe(true);
    expect(world.sqs.messages(QUEUES.workerDlq)).toHaveLength(0);
    // The EventBridge client, a chunk loaded on first use, announced it.
    expect(gateway.events).toContainEqual(
      expect.objectContaining({ Source: 'veeam-org-sync', DetailType: 'Account Protected' }),
    );

    // What the shipped code logged carries no password, session token or external ID.
    const logged = [...intake.logs, ...worker.logs].join('\n');
    expect(logged).toContain(NEW_ACCOUNT);
    for (const secret of [DEFAULT_SIM_USER.password, env.AWS_SESSION_TOKEN!, ...entries.map((e) => e.externalId)])
      expect(logged).not.toContain(secret);
  });

  it('parks a message it cannot understand in the worker DLQ with its reason, through the SQS chunk loaded then', async () => {
    const record = sqsRecord({
      messageId: 'm-bad',
      body: '{"accountId":"not-an-account"}',
      receiveCount: 1,
      groupId: 'g',
    });
    const worker = await invoke('worker', { Records: [record] });
    expectOk(worker);
    expect(worker.result).toEqual({ batchItemFailures: [] });
    const parked = world.sqs.messages(QUEUES.workerDlq);
    expect(parked.map((m) => m.body)).toEqual([record.body]);
    expect(parked[0]!.attributes.ERROR_CODE?.StringValue).toBe('InvalidInput');
    expect(parked[0]!.attributes.ERROR_MESSAGE?.StringValue).toMatch(/accountId/);
  });

  it('gives an account whose access role is not there yet back to the queue in seconds, through the SQS chunk', async () => {
    const pending = '555566667777';
    // In the organization, but the StackSet has not reached it: no access role to assume yet.
    world.org.createAccount({ id: pending, name: 'app-staging', parentId: OU });
    const event = JSON.parse(
      // Its own account id and event ids (SQS FIFO deduplicates a repeated event id).
      JSON.stringify(fixture('create-account-result-succeeded'))
        .replaceAll(NEW_ACCOUNT, pending)
        .replaceAll('-000000000001"', '-000000000002"'),
    );
    expectOk(await invoke('intake', event));
    const messages = world.sqs.take(QUEUES.account, 10);
    const before = gateway.calls.length;
    const worker = await invoke('worker', { Records: messages.map((m) => sqsRecord(m)) });
    expectOk(worker);
    expect(worker.result).toEqual({ batchItemFailures: [{ itemIdentifier: messages[0]!.messageId }] });
    expect(gateway.calls.slice(before)).toContainEqual(
      expect.objectContaining({ service: 'sqs', action: 'ChangeMessageVisibility', status: 200 }),
    );
  });

  it('reads the Veeam secret with Secrets Manager from its zip when the extension is not there (the SDK chunk)', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: DEFAULT_SIM_USER.username, password: DEFAULT_SIM_USER.password }),
    });
    try {
      const run = await runShipped(fn('reconcile'), {
        mode: 'invoke',
        env: {
          ...env,
          AWS_LAMBDA_FUNCTION_NAME: 'veeam-org-sync-dev-reconcile',
          PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '9',
        },
        nodeOptions: shipped.nodeOptions,
        event: { dryRun: true },
        context: lambdaContext('veeam-org-sync-dev-reconcile'),
      });
      expectOk(run);
      expect(sm.commandCalls(GetSecretValueCommand, { SecretId: env.VEEAM_SECRET_ID })).toHaveLength(1);
      expect(run.logs.join('\n')).toMatch(/extension not reachable/);
    } finally {
      sm.restore();
    }
  });

  it('answers a dry-run reconcile from its zip, reading Organizations and the appliance', async () => {
    const run = await invoke('reconcile', { dryRun: true });
    expectOk(run);
    expect(run.result).toMatchObject({ dryRun: true });
    expect(JSON.stringify(run.result)).toContain(NEW_ACCOUNT);
    expect(gateway.calls.some((c) => c.service === 'organizations' && c.status === 200)).toBe(true);
  });

  it('loads member access on first use from its zip: a deep dry run reads IAM in the member account', async () => {
    const before = gateway.calls.length;
    const run = await invoke('reconcile', { dryRun: true, deep: true, accountIds: [NEW_ACCOUNT] });
    expectOk(run);
    expect(JSON.stringify(run.result)).toContain(NEW_ACCOUNT);
    const calls = gateway.calls.slice(before);
    for (const service of ['sts', 'iam'])
      expect(calls.some((c) => c.service === service && c.status === 200)).toBe(true);
  });

  it('refuses a dry run dressed as a scheduled event from its zip, touching nothing', async () => {
    const before = gateway.calls.length;
    const run = await invoke('reconcile', { dryRun: true, 'detail-type': 'Scheduled Event' });
    expect(run.ok).toBe(false);
    // Error classes keep their names in the minified bundle.
    expect(run.error?.name).toBe('InvalidInputError');
    expect(run.error?.message).toMatch(/not a whole EventBridge "Scheduled Event"/);
    expect(gateway.calls.length).toBe(before);
  });

  it('runs the daily rotation schedule from its zip (nothing is due right after protection)', async () => {
    const run = await invoke('rotate', scheduledEvent('rotate'));
    expectOk(run);
    expect(run.result).toMatchObject({ enqueued: 0 });
  });
});
