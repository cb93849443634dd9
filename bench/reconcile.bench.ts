/*
 * npm run bench [-- --quick | --full] [--record] [--jitter 0.2] [--throttle 0.01] [--workers 5]
 *
 * Measures what users wait for, over the real lib/ code with simulated per-call latency: event -> protected for a
 * new account, a first install until every account is protected, steady-state reconcile (Lambda fan-out and the
 * CLI's in-process run), per-account calls by API, Veeam requests per new account at 60 and 10,000 accounts, peak
 * memory; each with the bound the simulated latencies allow and the ratio measured/bound. Each scenario runs in a
 * fresh Node process (peak memory is its own) with the Veeam simulator in a further child process.
 *   default  1,000 and 10,000 (the CLI's in-process 10,000 and the 10,000 install extrapolated)
 *   --quick  1,000 (and 60) only, the first install into 200
 *   --full   also runs the CLI's in-process 10,000 (about 2 minutes more on 2 cores)
 * Prints only; `--record` also writes bench/RESULTS.md with the command that produced it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LATENCY, type NoiseProfile } from './fakes-latency';
import type {
  AccountCost,
  BenchLatency,
  InstallFigures,
  ReconcileFigures,
  ScenarioResult,
  ScenarioSpec,
  SingleFigures,
} from './scenario';

const LATENCY: BenchLatency = { ...DEFAULT_LATENCY, veeam: 15 };
const RESULT_PREFIX = 'BENCH-RESULT ';

async function scenarioMain(spec: ScenarioSpec): Promise<void> {
  // Before any lib module is loaded (scenario.ts imports lib/ dynamically after setting the rest).
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const { runScenario } = await import('./scenario');
  const result = await runScenario(spec);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  process.exit(0);
}

function runChild(spec: ScenarioSpec): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings', '--expose-gc', '--import', 'tsx', __filename, '--scenario', JSON.stringify(spec)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line)
        return reject(new Error(`scenario ${spec.mode} ${spec.accounts} failed (exit ${code}):\n${out}`));
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as ScenarioResult);
    });
  });
}

const n = (x: number) => x.toLocaleString('en-US');
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const per = (x: number, d: number) => (d ? (x / d).toFixed(3) : '-');

interface Column {
  title: string;
  f?: ReconcileFigures;
  /** Extrapolated wall time, for a column that was not run. */
  estimateMs?: number;
}

function reconcileRows(cols: Column[]): string[][] {
  const v = (fn: (f: ReconcileFigures) => string, est?: (c: Column) => string) =>
    cols.map((c) => (c.f ? fn(c.f) : est ? est(c) : 'not run'));
  return [
    ['', ...cols.map((c) => c.title)],
    ['accounts in scope', ...v((f) => n(f.inScope))],
    [
      'result totals',
      ...v((f) =>
        Object.entries(f.totals)
          .filter(([, x]) => x)
          .map(([k, x]) => `${k} ${n(x)}`)
          .join(', '),
      ),
    ],
    ['messages enqueued (on the queue)', ...v((f) => `${n(f.enqueued)} (${n(f.queued)})`)],
    [
      'wall time',
      ...v(
        (f) => sec(f.wallMs),
        (c) => (c.estimateMs ? `~${sec(c.estimateMs)} (extrapolated)` : 'not run'),
      ),
    ],
    ['  of which enqueue (SQS)', ...v((f) => (f.mode === 'fan-out' ? sec(f.enqueueMs) : '-'))],
    ['accounts/s', ...v((f) => (f.inScope / (f.wallMs / 1000)).toFixed(0))],
    [
      'Organizations calls / in-scope acct',
      ...v((f) => `${per(f.calls.organizations, f.inScope)} (${n(f.calls.organizations)})`),
    ],
    ['SQS calls / in-scope acct', ...v((f) => `${per(f.calls.sqs, f.inScope)} (${n(f.calls.sqs)})`)],
    ['STS calls / in-scope acct', ...v((f) => `${per(f.calls.sts, f.inScope)} (${n(f.calls.sts)})`)],
    ['IAM calls / in-scope acct', ...v((f) => `${per(f.calls.iam, f.inScope)} (${n(f.calls.iam)})`)],
    ['throttled attempts Org / IAM', ...v((f) => `${n(f.throttled.organizations)} / ${n(f.throttled.iam)}`)],
    ['IAM writes', ...v((f) => n(f.iamWrites))],
    ['Veeam logins (refreshes)', ...v((f) => `${f.veeam.logins} (${f.veeam.refreshes})`)],
    ['Veeam requests', ...v((f) => n(f.veeam.requests))],
    ['Veeam writes', ...v((f) => n(f.veeam.writes))],
    [
      'peak in flight Org/STS/IAM/SQS',
      ...v((f) => `${f.peakInFlight.organizations}/${f.peakInFlight.sts}/${f.peakInFlight.iam}/${f.peakInFlight.sqs}`),
    ],
    ['peak RSS', ...v((f) => `${f.memory.peakRssMb} MB`)],
    ['peak heap used', ...v((f) => `${f.memory.peakHeapMb} MB`)],
    ['heap retained after run (GC)', ...v((f) => `${f.memory.retainedHeapMb} MB`)],
    [
      '  of which per-account IAM clients',
      ...v((f) =>
        f.memory.memberClients ? `${f.memory.memberClientsMb} MB (${n(f.memory.memberClients)} clients)` : '-',
      ),
    ],
    ['heap/RSS before run (fakes+code)', ...v((f) => `${f.memory.baseHeapMb} / ${f.memory.baseRssMb} MB`)],
    ['errors', ...v((f) => n(f.errors))],
  ];
}

function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), 0));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function mdTable(rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${head!.map(esc).join(' | ')} |`,
    `|${head!.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number`);
  return v;
}

/**
 * Lower bounds from the simulated latencies: the round trips on the critical path when every call that can run
 * concurrently does, nothing else costs time, and the calls made are the ones counted. L = per-call latency.
 */
const L = LATENCY;
/** Organizations walk: at most 4 calls in flight (lib/organizations/aws-organization.ts). */
const ORG_CONCURRENCY = 4;
/** SendMessageBatch calls in flight (lib/queue/sqs-queue.ts). */
const SQS_CONCURRENCY = 4;
/** IAM writes for a new account: CreateRole + PutRolePolicy (backup); the same + CreateInstanceProfile + AddRole (worker). */
const NEW_ACCOUNT_IAM_WRITES = 6;
const bounds = {
  /** Scope (DescribeAccount with ListParents, one round trip), then STS (the name search runs beside it), then IAM reads. */
  convergedEvent: L.organizations + Math.max(L.sts, L.veeam) + L.iam,
  /** Cold: GetCallerIdentity before the AssumeRole; the Veeam login and search beside them. */
  convergedEventCold: L.organizations + 2 * L.sts + L.iam,
  /** From a fresh reconcile message: no Organizations; STS beside the name search; IAM reads. */
  convergedPlan: Math.max(L.sts, L.veeam) + L.iam,
  /** Event path, plus the writes one after the other and the two POSTs. */
  newEvent: L.organizations + Math.max(L.sts, L.veeam) + L.iam + NEW_ACCOUNT_IAM_WRITES * L.iam + 2 * L.veeam,
  newPlan: Math.max(L.sts, L.veeam) + L.iam + NEW_ACCOUNT_IAM_WRITES * L.iam + 2 * L.veeam,
  /** In-process (the CLI): scope and entries come from the plan just read. */
  convergedInProcess: L.sts + L.iam,
  newInProcess: L.sts + L.iam + NEW_ACCOUNT_IAM_WRITES * L.iam + 2 * L.veeam,
};
/** Planning: the walk (4 in flight) overlapped with the Veeam listing (pages one after the other), then the enqueue. */
function planBound(f: { calls: { organizations: number; sqs: number }; veeam: { requests: number } }): number {
  const walk = Math.ceil(f.calls.organizations / ORG_CONCURRENCY) * L.organizations;
  const listing = f.veeam.requests * L.veeam;
  return Math.max(walk, listing) + Math.ceil(f.calls.sqs / SQS_CONCURRENCY) * L.sqs;
}
function inProcessBound(f: ReconcileFigures): number {
  const created = f.totals.create ?? 0;
  const converged = f.inScope - created;
  const perAccount = converged * bounds.convergedInProcess + created * bounds.newInProcess;
  const plan = planBound({
    calls: { organizations: f.calls.organizations, sqs: 0 },
    veeam: { requests: 1 + Math.ceil((f.inScope * 2) / 500) },
  });
  return plan + perAccount / f.concurrency;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

type Row = [figure: string, measured: string, bound: string, ratio: string];
const ms = (x: number) => (x >= 10_000 ? sec(x) : `${x.toFixed(0)} ms`);
const ratio = (m: number, b: number) => (b > 0 ? `${(m / b).toFixed(2)}x` : '-');
const row = (figure: string, measured: number, bound: number, fmt = ms): Row => [
  figure,
  fmt(measured),
  fmt(bound),
  ratio(measured, bound),
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--scenario');
  if (i >= 0) return scenarioMain(JSON.parse(args[i + 1] ?? '{}') as ScenarioSpec);
  const quick = args.includes('--quick');
  const full = args.includes('--full') && !quick;
  const record = args.includes('--record');
  const noise: NoiseProfile = {
    jitter: argValue(args, '--jitter', 0.2),
    throttleRate: argValue(args, '--throttle', 0.002),
    seed: argValue(args, '--seed', 42),
  };
  const workers = argValue(args, '--workers', 5);
  const command = `npm run bench -- ${args.filter((a) => a !== '--record').join(' ')}`.trim().replace(/ --$/, '');

  const profile = `Organizations ${L.organizations} ms, STS ${L.sts} ms, IAM ${L.iam} ms, SQS ${L.sqs} ms, Veeam ${L.veeam} ms per request; AWS calls x U[${1 - noise.jitter}, ${1 + noise.jitter}] (jitter), ${(noise.throttleRate * 100).toFixed(1)} % of IAM and Organizations attempts throttled (seed ${noise.seed})`;
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  console.log(
    `veeam-org-sync bench (${quick ? 'quick' : full ? 'full' : 'default'})\nlatency: ${profile}\nmachine: ${machine}\n`,
  );

  const started = Date.now();
  const run = async (spec: Omit<ScenarioSpec, 'latency' | 'noise'>): Promise<ScenarioResult> => {
    const t0 = Date.now();
    process.stdout.write(`running ${spec.mode} ${n(spec.accounts)} ... `);
    const r = await runChild({ ...spec, latency: LATENCY, noise });
    console.log(`done in ${sec(Date.now() - t0)} (setup included)`);
    return r;
  };
  const reconcileOf = (r: ScenarioResult): ReconcileFigures => {
    if (r.kind !== 'reconcile') throw new Error('expected a reconcile result');
    return r.figures;
  };
  const singleOf = (r: ScenarioResult): SingleFigures => {
    if (r.kind !== 'single') throw new Error('expected a single-account result');
    return r.single;
  };
  const installOf = (r: ScenarioResult): InstallFigures => {
    if (r.kind !== 'install') throw new Error('expected an install result');
    return r.install;
  };

  const single60 = singleOf(await run({ mode: 'single', accounts: 60 }));
  const single1 = singleOf(await run({ mode: 'single', accounts: 1_000 }));
  const single10 = quick ? undefined : singleOf(await run({ mode: 'single', accounts: 10_000 }));
  // --quick installs into 200 accounts: the drain is most of a run's time.
  const install1 = installOf(await run({ mode: 'install', accounts: quick ? 200 : 1_000, workers }));
  const fan1 = reconcileOf(await run({ mode: 'fan-out', accounts: 1_000 }));
  const fan10 = quick ? undefined : reconcileOf(await run({ mode: 'fan-out', accounts: 10_000 }));
  const inp1 = reconcileOf(await run({ mode: 'in-process', accounts: 1_000 }));
  const inp10 = full ? reconcileOf(await run({ mode: 'in-process', accounts: 10_000 })) : undefined;

  // What is not run is extrapolated: planning from the 10,000 walk, convergence x 10 from 1,000.
  const plan = (f: ReconcileFigures) => f.wallMs - f.enqueueMs;
  const inp10Estimate = fan10 && !inp10 ? plan(fan10) + (inp1.wallMs - plan(fan1)) * 10 : undefined;
  const install10Estimate = fan10 ? fan10.wallMs + install1.drainMs * (10_000 / install1.accounts) : undefined;

  const waits: Row[] = [];
  const e2p = (label: string, s: SingleFigures) => {
    waits.push(
      row(
        `event -> protected, new account, ${label}, p50 (${s.eventToProtectedMs.length} runs)`,
        percentile(s.eventToProtectedMs, 50),
        L.sqs + bounds.newEvent,
      ),
    );
    waits.push(
      row(
        `event -> protected, new account, ${label}, p95`,
        percentile(s.eventToProtectedMs, 95),
        L.sqs + bounds.newEvent,
      ),
    );
  };
  e2p('1,000 accounts', single1);
  if (single10) e2p('10,000 accounts', single10);
  const installBound = (f: InstallFigures, planMs: number) => planMs + (f.accounts * bounds.newPlan) / f.workers;
  waits.push(
    row(
      `first install, ${n(install1.accounts)} new accounts, ${workers} workers: every account protected`,
      install1.wallMs,
      installBound(install1, planBound({ calls: install1.calls, veeam: { requests: 1 } })),
    ),
  );
  if (install10Estimate && fan10)
    waits.push([
      `first install, 10,000 new accounts (extrapolated: plan 10,000 + 10 x drain 1,000)`,
      `~${sec(install10Estimate)}`,
      sec(planBound(fan10) + (10_000 * bounds.newPlan) / workers),
      ratio(install10Estimate, planBound(fan10) + (10_000 * bounds.newPlan) / workers),
    ]);
  waits.push(row('steady-state reconcile, fan-out (Lambda), 1,000', fan1.wallMs, planBound(fan1)));
  if (fan10) waits.push(row('steady-state reconcile, fan-out (Lambda), 10,000', fan10.wallMs, planBound(fan10)));
  waits.push(
    row(`steady-state reconcile, in-process (CLI, c=${inp1.concurrency}), 1,000`, inp1.wallMs, inProcessBound(inp1)),
  );
  if (inp10)
    waits.push(
      row(
        `steady-state reconcile, in-process (CLI, c=${inp10.concurrency}), 10,000`,
        inp10.wallMs,
        inProcessBound(inp10),
      ),
    );
  else if (inp10Estimate && fan10)
    waits.push([
      `steady-state reconcile, in-process (CLI), 10,000 (extrapolated; --full runs it)`,
      `~${sec(inp10Estimate)}`,
      '-',
      '-',
    ]);

  const costBound: Record<string, number> = {
    'converged account, event, cold container': bounds.convergedEventCold,
    'converged account, event, warm container': bounds.convergedEvent,
    'converged account, reconcile message, warm': bounds.convergedPlan,
    'new account, event, warm container': bounds.newEvent,
  };
  const costRows2 = (costs: AccountCost[]): string[][] => [
    [
      'one account (1,000-account org)',
      'action',
      'time',
      'bound',
      'ratio',
      'Org',
      'STS',
      'IAM',
      'IAM writes',
      'Veeam req (writes, logins)',
    ],
    ...costs.map((c) => [
      c.label,
      c.action,
      ms(c.ms),
      ms(costBound[c.label] ?? NaN),
      ratio(c.ms, costBound[c.label] ?? 0),
      String(c.calls.organizations),
      String(c.calls.sts),
      String(c.calls.iam),
      String(c.iamWrites),
      `${c.veeam.requests} (${c.veeam.writes}, ${c.veeam.logins})`,
    ]),
  ];
  const byApi = (c: AccountCost) =>
    Object.entries(c.iamByCommand)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => `${k} ${x}`)
      .join(', ');
  const veeamNew = (s: SingleFigures) => [...new Set(s.newAccountVeeamRequests)].join('/');
  const veeamRows: string[][] = [
    [
      'Veeam requests per new account (warm worker, event)',
      '60 accounts',
      '1,000 accounts',
      ...(single10 ? ['10,000 accounts'] : []),
    ],
    ['requests (incl. the 2 POSTs)', veeamNew(single60), veeamNew(single1), ...(single10 ? [veeamNew(single10)] : [])],
  ];
  const waitRows: string[][] = [['what a user waits for', 'measured', 'bound', 'measured/bound'], ...waits];
  const rows = reconcileRows([
    { title: 'fan-out 1,000', f: fan1 },
    ...(fan10 ? [{ title: 'fan-out 10,000', f: fan10 }] : []),
    { title: `in-process 1,000 (c=${inp1.concurrency})`, f: inp1 },
    ...(inp10 ? [{ title: `in-process 10,000 (c=${inp10.concurrency})`, f: inp10 }] : []),
  ]);
  const cRows = costRows2(single1.costs);
  const installNote = `First install ${n(install1.accounts)}: plan + enqueue ${sec(install1.planMs)}, ${workers} workers drain ${sec(install1.drainMs)}; ${n(install1.protectedAccounts)} protected, ${install1.errors} errors; calls Org ${n(install1.calls.organizations)}, STS ${n(install1.calls.sts)}, IAM ${n(install1.calls.iam)}, SQS ${n(install1.calls.sqs)}, Veeam ${n(install1.veeam.requests)} requests (${n(install1.veeam.writes)} writes); throttled attempts Org ${install1.throttled.organizations}, IAM ${install1.throttled.iam}; peak heap ${install1.memory.peakHeapMb} MB, RSS ${install1.memory.peakRssMb} MB.`;
  const notes = [
    'Bounds: the round trips on the critical path if every call that can run concurrently did and nothing else took time, from the latency profile and the calls counted (the Organizations walk at 4 calls in flight, the Veeam listing one page after the other, IAM writes one after the other, SendMessageBatch 4 at a time, in-process convergence spread over SYNC_CONCURRENCY). Jitter and throttling are not in the bounds.',
    `Per-account bounds: converged from an event ${bounds.convergedEvent} ms (Organizations, STS beside the Veeam name search, one IAM round trip), from a fresh reconcile message ${bounds.convergedPlan} ms, new account from an event ${bounds.newEvent} ms (+${NEW_ACCOUNT_IAM_WRITES} IAM writes and 2 POSTs); event -> protected adds the intake's SendMessage (${L.sqs} ms). The queue's own delivery delay (Lambda polling) is not simulated.`,
    'Organization: member accounts spread round-robin over 9 leaf OUs (2 levels of 3 OUs), SCOPE_OU_IDS = the 3 top OUs; the management account sits under the root (out of scope). Accounts: 5 % new (no roles, no Veeam entries), 0.2 % suspended but still registered, the rest converged; plus 10 departed accounts still registered. OFFBOARD_MODE=retain. The first install: every account new.',
    installNote,
    "Throttling: a throttled attempt is retried as the SDK's standard mode does (full-jitter backoff from 500 ms, doubling, up to the client's maxAttempts), emulated in bench/fakes-latency.ts because aws-sdk-client-mock replaces the SDK's middleware; a call that exhausts them reaches the service's own retry (withThrottleRetry, or the queue). Veeam requests have a fixed latency.",
    'Peak memory is sampled every 50 ms in the scenario process; the Veeam simulator runs in its own process and is not counted.',
  ];

  console.log(`\n${textTable(waitRows)}\n\n${textTable(cRows)}\n`);
  console.log(
    `IAM calls of a converged account: ${byApi(single1.costs[1]!)}; of a new account: ${byApi(single1.costs[3]!)}\n`,
  );
  console.log(`${textTable(veeamRows)}\n\n${textTable(rows)}\n`);
  console.log(notes.map((x) => `- ${x}`).join('\n'));
  console.log(`\ntotal ${sec(Date.now() - started)}`);
  if (!record) {
    console.log('(printed only; `--record` writes bench/RESULTS.md)');
    return;
  }
  const md = [
    '# Bench results',
    '',
    `Produced by \`${command}${command.includes(' -- ') ? '' : ' --'} --record\` (bench/reconcile.bench.ts) on ${new Date().toISOString()}.`,
    '',
    `- Machine: ${machine}`,
    `- Latency profile: ${profile}`,
    `- Worker concurrency (the stack's workerMaximumConcurrency): ${workers}; in-process concurrency (SYNC_CONCURRENCY): ${inp1.concurrency}`,
    '',
    '## What users wait for',
    '',
    mdTable(waitRows),
    '',
    "## One account (the worker's unit of work)",
    '',
    mdTable(cRows),
    '',
    `IAM calls by API, converged account: ${byApi(single1.costs[1]!)}; new account: ${byApi(single1.costs[3]!)}.`,
    '',
    mdTable(veeamRows),
    '',
    '## Reconcile',
    '',
    mdTable(rows),
    '',
    '## Notes',
    '',
    ...notes.map((x) => `- ${x}`),
    '',
  ].join('\n');
  const file = path.join(__dirname, 'RESULTS.md');
  writeFileSync(file, md + bundlesSection(existsSync(file) ? readFileSync(file, 'utf8') : ''));
  console.log('wrote bench/RESULTS.md');
}

/** The "Bundles" section belongs to `npm run bench:bundles -- --write` (bench/bundles.ts): kept as it is. */
function bundlesSection(current: string): string {
  const at = current.indexOf('<!-- bundles:start');
  const end = current.indexOf('<!-- bundles:end -->');
  return at >= 0 && end > at ? `\n${current.slice(at, end + '<!-- bundles:end -->'.length)}\n` : '';
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
