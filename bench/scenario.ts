/*
 * One bench scenario, run in a process of its own (memory figures then belong to that scenario only): a simulated
 * organization, IAM/STS/SQS fakes with per-call latency, the Veeam simulator in a child process, and the real
 * lib/ code built by buildDeps() from the environment, exactly as the Lambda builds it.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { buildOrg } from '../sim/aws/organizations-fake';
import { installIamStsFake, type IamStsFake } from '../sim/aws/iam-sts';
import { installSqsFake } from '../sim/aws/sqs-fake';
import { installEventBridgeFake } from '../sim/aws/eventbridge-fake';
import { DEFAULT_SIM_USER } from '../sim/veeam';
import { installAwsLatency, type LatencyHandle, type LatencyProfile, type NoiseProfile } from './fakes-latency';
import { SimProcess } from './sim-client';
import type { SimCounters } from './veeam-sim-process';

export type ScenarioMode = 'fan-out' | 'in-process' | 'single' | 'install';

export interface BenchLatency extends LatencyProfile {
  veeam: number;
}

export interface ScenarioSpec {
  mode: ScenarioMode;
  /** Member accounts in the organization (the management account not counted). */
  accounts: number;
  latency: BenchLatency;
  noise: NoiseProfile;
  /** install: worker invocations at once (the stack's workerMaximumConcurrency). */
  workers?: number;
}

type Service = keyof LatencyProfile;
export type Calls = Record<Service, number>;

export interface Memory {
  /** After setup and a full GC, before the measured work: the fakes' state and the loaded code. */
  baseRssMb: number;
  baseHeapMb: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** After the run and a full GC, with the deps (caches, clients) still alive: what a warm container keeps. */
  retainedHeapMb: number;
  /** Of that, held by StsMemberAccess's per-account IAM clients (measured by clearing that cache), and their count. */
  memberClientsMb?: number;
  memberClients?: number;
}

export interface VeeamFigures {
  logins: number;
  refreshes: number;
  requests: number;
  writes: number;
}

export interface ReconcileFigures {
  mode: 'fan-out' | 'in-process';
  accounts: number;
  inScope: number;
  /** Plan (fan-out) or convergence (in-process) totals. */
  totals: Record<string, number>;
  enqueued: number;
  /** Messages that reached the (fake) queue: checks `enqueued`. */
  queued: number;
  wallMs: number;
  /** fan-out: time spent in queue.send (the rest is the Organizations walk + Veeam listing + planning). */
  enqueueMs: number;
  calls: Calls;
  orgByCommand: Record<string, number>;
  peakInFlight: Calls;
  throttled: Calls;
  iamWrites: number;
  veeam: VeeamFigures;
  memory: Memory;
  concurrency: number;
  errors: number;
}

export interface AccountCost {
  label: string;
  action: string;
  ms: number;
  calls: Calls;
  iamByCommand: Record<string, number>;
  iamWrites: number;
  veeam: VeeamFigures;
}

export interface SingleFigures {
  costs: AccountCost[];
  /** Event -> protected for new accounts on a warm worker: enqueue (as the intake does), receive, converge. */
  eventToProtectedMs: number[];
  /** Veeam requests of each of those new accounts (a warm worker: no login). */
  newAccountVeeamRequests: number[];
}

export interface InstallFigures {
  accounts: number;
  workers: number;
  /** Reconcile (plan + enqueue) then the workers draining the queue. */
  planMs: number;
  drainMs: number;
  wallMs: number;
  protectedAccounts: number;
  errors: number;
  calls: Calls;
  throttled: Calls;
  veeam: VeeamFigures;
  memory: Memory;
}

export type ScenarioResult =
  | { kind: 'reconcile'; figures: ReconcileFigures }
  | { kind: 'single'; single: SingleFigures }
  | { kind: 'install'; install: InstallFigures };

export const MANAGEMENT_ACCOUNT = '100000000000';
const REGION = 'us-east-1';
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${MANAGEMENT_ACCOUNT}/veeam-org-sync-accounts.fifo`;
const SECRET_ID = 'veeam-org-sync/appliance-admin';
/** Member accounts that left the organization but are still registered: offboard candidates. */
const DEPARTED = 10;

/** Which kind of account member i is: 5 % new (nothing of ours yet), 0.2 % suspended but registered, the rest converged. */
function kindOf(i: number): 'new' | 'suspended' | 'converged' {
  if (i % 20 === 19) return 'new';
  if (i % 500 === 250) return 'suspended';
  return 'converged';
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Samples memory every 50 ms; also drains the fakes' call logs so the harness's own memory stays flat. */
function startSampler(drain: () => void) {
  gc();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    drain();
  };
  const timer = setInterval(sample, 50);
  return {
    stop(): Memory {
      sample();
      clearInterval(timer);
      gc();
      const retained = process.memoryUsage().heapUsed;
      return {
        baseRssMb: mb(base.rss),
        baseHeapMb: mb(base.heapUsed),
        peakRssMb: mb(peakRss),
        peakHeapMb: mb(peakHeap),
        retainedHeapMb: mb(retained),
      };
    },
  };
}

/** Counts IAM calls and writes from the fake's log, then empties it and the mocks' call histories. */
function iamTally(iam: IamStsFake, alsoForget: () => void) {
  const t = { writes: 0, byCommand: {} as Record<string, number> };
  const drain = () => {
    alsoForget();
    for (const c of iam.calls) {
      if (c.service !== 'iam') continue;
      if (c.write && !c.error) t.writes++;
      t.byCommand[c.command] = (t.byCommand[c.command] ?? 0) + 1;
    }
    iam.calls.length = 0;
  };
  return { t, drain, reset: () => Object.assign(t, { writes: 0, byCommand: {} }) };
}

const diff = (a: Calls, b: Calls): Calls => ({
  organizations: a.organizations - b.organizations,
  sts: a.sts - b.sts,
  iam: a.iam - b.iam,
  sqs: a.sqs - b.sqs,
});
const snap = (h: LatencyHandle): Calls => ({ ...h.calls });
const veeamDiff = (a: SimCounters, b: SimCounters): VeeamFigures => ({
  logins: a.logins - b.logins,
  refreshes: a.refreshes - b.refreshes,
  requests: a.requests - b.requests,
  writes: a.writes - b.writes,
});

/** The single-account measurements touch only the first accounts: IAM state for those is enough. */
const SINGLE_IAM_ACCOUNTS = 200;

export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const needIam = (i: number) =>
    spec.mode === 'in-process' || spec.mode === 'install' || (spec.mode === 'single' && i < SINGLE_IAM_ACCOUNTS);
  const kind = (i: number) => (spec.mode === 'install' ? 'new' : kindOf(i));
  const sim = await SimProcess.start();
  const org = buildOrg({
    accounts: spec.accounts,
    ousDepth: 2,
    ousPerLevel: 3,
    managementAccountId: MANAGEMENT_ACCOUNT,
  });
  const scope = org.ouLevels[0]!;
  // Dedicated member access (the default): the simulated StackSet gives every account the access role.
  const iam = installIamStsFake({
    managementAccountId: MANAGEMENT_ACCOUNT,
    accessRole: { roleName: 'VeeamOrgSyncAccess', manages: ['VeeamBackupRole', 'VeeamWorkerRole'] },
  });
  const sqs = installSqsFake();
  // The bench's first convergence puts Account Protected events: keep them off the network.
  installEventBridgeFake();
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(DEFAULT_SIM_USER), Name: SECRET_ID });

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: `FAKE${MANAGEMENT_ACCOUNT}SERVICE`,
    AWS_SECRET_ACCESS_KEY: 'bench-secret-key',
    VEEAM_URL: sim.url,
    VEEAM_SECRET_ID: SECRET_ID,
    VEEAM_CERT_SHA256: sim.certSha256,
    VEEAM_PRINCIPAL_ARN: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/VeeamApplianceImpersonation`,
    ACCOUNT_QUEUE_URL: QUEUE_URL,
    SCOPE_OU_IDS: scope.join(','),
    OFFBOARD_MODE: 'retain',
    PROPAGATION_WAIT_SECONDS: '0',
  });
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  // After the environment: the logger and the configuration read it when first loaded, as in Lambda.
  const wiring = await import('../lib/wiring');
  const { stsMemberAccess } = await import('../lib/member/member-access');
  // As the worker builds them: member access at once (its per-account IAM clients are measured below).
  const buildDeps = () => wiring.buildDeps({ memberAccess: stsMemberAccess });
  const { reconcile, convergeInProcess, enqueueForWorker } = await import('../lib/fleet/reconcile');
  const { convergeAccount } = await import('../lib/account/converge-account');
  const { resetVeeamSessions } = await import('../lib/veeam/session-cache');
  const { entryName, entryDescription } = await import('../lib/registration');
  const { generateExternalId } = await import('../lib/external-id');
  const { ISSUED_TAG } = await import('../lib/account/id-state');

  for (let i = 0; i < spec.accounts; i++) if (kind(i) === 'suspended') org.fake.suspend(org.accountId(i));

  // A template account converged by the real code (latency off): its roles are what "converged" looks like.
  const setupDeps = buildDeps();
  const blueprints = setupDeps.blueprints;
  const template = org.accountId(0);
  iam.addAccount(template);
  const t = await convergeAccount(setupDeps, template, { dryRun: false, reason: 'bench-setup' });
  if (t.action === 'error' || t.action === 'conflict')
    throw new Error(`template account did not converge: ${JSON.stringify(t)}`);
  const tmpl = iam.account(template);
  const perRole = blueprints.map((bp) => {
    const role = tmpl.roles.get(bp.roleName)!;
    const [externalId, ...more] = role.trust.match(/[A-Za-z0-9]{40}/g) ?? [];
    if (!externalId || more.length) throw new Error(`template trust of ${bp.roleName}: expected one external ID`);
    return { bp, role, externalId, issuedAt: new Date(role.tags.get(ISSUED_TAG) ?? Date.now()) };
  });

  type Entry = { name: string; description: string; accountId: string; roleName: string };
  let batch: Entry[] = [];
  const flush = async () => {
    if (batch.length) await sim.ask({ type: 'add', entries: batch });
    batch = [];
  };
  for (let i = 1; i < spec.accounts; i++) {
    const id = org.accountId(i);
    if (needIam(i)) iam.addAccount(id);
    if (kind(i) === 'new') continue;
    const acct = needIam(i) ? iam.account(id) : undefined;
    for (const r of perRole) {
      const externalId = generateExternalId();
      batch.push({
        name: entryName(id, r.bp.key),
        description: entryDescription(r.bp.roleName, externalId, r.issuedAt, r.bp.installationId),
        accountId: id,
        roleName: r.bp.roleName,
      });
      if (!acct) continue;
      // Policy documents are shared strings: the fake's memory stays small next to what is measured.
      acct.roles.set(r.bp.roleName, {
        ...r.role,
        arn: r.role.arn.replace(template, id),
        roleId: `AROA${id}${r.bp.key.toUpperCase()}`,
        trust: r.role.trust.replace(r.externalId, externalId),
        tags: new Map(r.role.tags),
        inline: new Map(r.role.inline),
        attached: [...r.role.attached],
        ...(r.role.boundary ? { boundary: r.role.boundary.replace(template, id) } : {}),
      });
    }
    if (acct) {
      for (const [name, p] of tmpl.instanceProfiles)
        acct.instanceProfiles.set(name, {
          ...p,
          arn: p.arn.replace(template, id),
          roles: [...p.roles],
          tags: new Map(p.tags),
        });
    }
    if (batch.length >= 2000) await flush();
  }
  for (let i = 0; i < DEPARTED; i++) {
    const id = String(200000000000 + i);
    for (const r of perRole)
      batch.push({
        name: entryName(id, r.bp.key),
        description: entryDescription(r.bp.roleName, generateExternalId(), r.issuedAt, r.bp.installationId),
        accountId: id,
        roleName: r.bp.roleName,
      });
  }
  await flush();

  // Measurement starts from a cold container: no Veeam token, no caches.
  resetVeeamSessions();
  await sim.ask({ type: 'latency', ms: spec.latency.veeam });
  // aws-sdk-client-mock's sinon stubs record every call (client, command, result): harness memory, not the service's.
  const stubs = [IAMClient, STSClient, OrganizationsClient, SQSClient, SecretsManagerClient].map(
    (c) => (c.prototype as unknown as { send: { resetHistory?: () => void } }).send,
  );
  let queued = 0;
  const forgetHistory = () => {
    stubs.forEach((s) => s.resetHistory?.());
    // Messages the fake queue holds are the harness's too: counted, then taken off the queue (the install's
    // workers take their own).
    if (spec.mode !== 'install') queued += sqs.take(QUEUE_URL, Number.MAX_SAFE_INTEGER).length;
  };
  const latency = installAwsLatency(spec.latency, spec.noise);
  const tally = iamTally(iam, forgetHistory);
  tally.drain();
  tally.reset();
  org.fake.resetCalls();

  try {
    if (spec.mode === 'single') return { kind: 'single', single: await singleCosts() };
    if (spec.mode === 'install') return { kind: 'install', install: await installRun() };
    return { kind: 'reconcile', figures: await reconcileRun(spec.mode) };
  } finally {
    latency.undo();
    await sim.stop();
  }

  async function reconcileRun(mode: 'fan-out' | 'in-process'): Promise<ReconcileFigures> {
    const deps = buildDeps();
    let enqueueMs = 0;
    const queue = deps.queue!;
    const send = queue.send.bind(queue);
    queue.send = async (reqs) => {
      const started = performance.now();
      try {
        await send(reqs);
      } finally {
        enqueueMs += performance.now() - started;
      }
    };
    const calls0 = snap(latency);
    const veeam0 = await sim.counters();
    const sampler = startSampler(tally.drain);
    const started = performance.now();
    const report = await reconcile(deps, {
      dryRun: false,
      dispatcher: mode === 'in-process' ? convergeInProcess() : enqueueForWorker(),
    });
    const wallMs = performance.now() - started;
    const memory = sampler.stop();
    tally.drain();
    // Diagnostic: what the member-access cache of per-account IAM clients holds (a private field, read at runtime).
    const stores = (deps.member as unknown as { stores?: Map<string, unknown> }).stores;
    if (stores?.size) {
      memory.memberClients = stores.size;
      stores.clear();
      gc();
      memory.memberClientsMb = mb(memory.retainedHeapMb * 1024 * 1024 - process.memoryUsage().heapUsed);
    }
    const veeam1 = await sim.counters();
    const calls = diff(snap(latency), calls0);
    const inScope =
      mode === 'fan-out'
        ? report.accounts.filter((a) => a.action === 'ok' || a.action === 'register').length
        : report.accounts.filter((a) => 'inScope' in a && a.inScope).length;
    const errors = report.accounts.filter((a) => a.action === 'error').length;
    return {
      mode,
      accounts: spec.accounts,
      inScope,
      totals: report.totals,
      enqueued: report.enqueued,
      queued,
      wallMs,
      enqueueMs,
      calls,
      orgByCommand: { ...org.fake.calls },
      peakInFlight: { ...latency.peakInFlight },
      throttled: { ...latency.throttled },
      iamWrites: tally.t.writes,
      veeam: veeamDiff(veeam1, veeam0),
      memory,
      concurrency: deps.config.concurrency,
      errors,
    };
  }

  async function singleCosts(): Promise<SingleFigures> {
    const { knownFromPlan } = await import('../lib/account/planned');
    const deps = buildDeps();
    const costs: AccountCost[] = [];
    const measure = async (label: string, accountId: string, fromPlan = false) => {
      // A reconcile's message: what its plan read about the account a moment ago.
      const known = fromPlan
        ? knownFromPlan(
            {
              plannedAt: new Date().toISOString(),
              inScope: true,
              scopeReason: 'in scope (bench plan)',
              entries: (await (await deps.veeam()).listEntries({ searchPattern: `${accountId}*` })).filter(
                (e) => e.accountId === accountId,
              ),
            },
            new Date(),
          )
        : undefined;
      tally.drain();
      tally.reset();
      const calls0 = snap(latency);
      const veeam0 = await sim.counters();
      const started = performance.now();
      const r = await convergeAccount(deps, accountId, { dryRun: false, reason: 'bench', ...(known ? { known } : {}) });
      const ms = performance.now() - started;
      tally.drain();
      costs.push({
        label,
        action: r.action,
        ms,
        calls: diff(snap(latency), calls0),
        iamByCommand: { ...tally.t.byCommand },
        iamWrites: tally.t.writes,
        veeam: veeamDiff(await sim.counters(), veeam0),
      });
    };
    await measure('converged account, event, cold container', org.accountId(1));
    // Warm: this container has converged accounts of the same OU before, so their parent chain is cached (an
    // organization has a handful of OUs; a warm worker soon knows them all).
    await measure('converged account, event, warm container', org.accountId(10));
    await measure('converged account, reconcile message, warm', org.accountId(3), true);
    await measure('new account, event, warm container', org.accountId(19));

    // Event -> protected: the intake's enqueue, the worker's receive, the convergence (the same call as functions/service).
    const eventToProtectedMs: number[] = [];
    const newAccountVeeamRequests: number[] = [];
    for (const i of [39, 59, 79, 99, 119, 139, 159].filter((x) => x < Math.min(spec.accounts, SINGLE_IAM_ACCOUNTS))) {
      const id = org.accountId(i);
      const veeam0 = await sim.counters();
      const started = performance.now();
      await deps.queue!.send([
        { accountId: id, action: 'sync', reason: 'CreateAccountResult', eventId: `bench-${id}` },
      ]);
      const [message] = sqs.take(QUEUE_URL, 1);
      if (!message) throw new Error('the event was not enqueued');
      const r = await convergeAccount(deps, id, { dryRun: false, reason: 'CreateAccountResult' });
      eventToProtectedMs.push(performance.now() - started);
      if (r.action !== 'create') throw new Error(`new account ${id}: ${r.action} ${r.error?.message ?? ''}`);
      newAccountVeeamRequests.push(veeamDiff(await sim.counters(), veeam0).requests);
    }
    tally.drain();
    return { costs, eventToProtectedMs, newAccountVeeamRequests };
  }

  /** A first install: every account new; the reconcile fans out, `workers` worker invocations drain the queue. */
  async function installRun(): Promise<InstallFigures> {
    const { knownFromPlan } = await import('../lib/account/planned');
    const { parseAccountRequest } = await import('../lib/queue/request');
    const { mapLimit } = await import('../lib/util/map-limit');
    const workers = spec.workers ?? 5;
    const deps = buildDeps();
    // One Deps per concurrent worker invocation, as each Lambda container builds its own (credential cache, clients).
    const workerDeps = Array.from({ length: workers }, () => buildDeps());
    const calls0 = snap(latency);
    const veeam0 = await sim.counters();
    const sampler = startSampler(tally.drain);
    const started = performance.now();
    await reconcile(deps, { dryRun: false, dispatcher: enqueueForWorker() });
    const planMs = performance.now() - started;
    const messages = sqs.take(QUEUE_URL, Number.MAX_SAFE_INTEGER);
    let next = 0;
    let protectedAccounts = 0;
    let errors = 0;
    await mapLimit(workerDeps, workers, async (wd) => {
      while (next < messages.length) {
        const req = parseAccountRequest(messages[next++]!.body);
        const known = knownFromPlan(req.plan, wd.now());
        const r = await convergeAccount(wd, req.accountId, {
          dryRun: false,
          reason: req.reason,
          ...(known ? { known } : {}),
        });
        if (r.action === 'error') errors++;
        else if (r.inScope) protectedAccounts++;
      }
    });
    const wallMs = performance.now() - started;
    const memory = sampler.stop();
    tally.drain();
    return {
      accounts: spec.accounts,
      workers,
      planMs,
      drainMs: wallMs - planMs,
      wallMs,
      protectedAccounts,
      errors,
      calls: diff(snap(latency), calls0),
      throttled: { ...latency.throttled },
      veeam: veeamDiff(await sim.counters(), veeam0),
      memory,
    };
  }
}
