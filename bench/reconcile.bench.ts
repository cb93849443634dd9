/*
 * npm run bench [-- --quick | --full]
 *
 * Prints reconcile figures for simulated organizations with simulated per-call latency and writes them to
 * bench/RESULTS.md. Figures only, no assertions on time. Each scenario runs in a fresh Node process (so peak
 * memory is that scenario's own) with the Veeam simulator in a further child process (the appliance's CPU and
 * memory are not the service's).
 *   default  fan-out 1,000 and 10,000, in-process 1,000 (10,000 extrapolated), single-account costs
 *   --quick  1,000 only
 *   --full   also runs in-process 10,000 (about 5 minutes on its own on 2 cores)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LATENCY } from './fakes-latency';
import type { AccountCost, BenchLatency, ReconcileFigures, ScenarioResult, ScenarioSpec } from './scenario';

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

function costRows(costs: AccountCost[]): string[][] {
  return [
    [
      'per-account convergence',
      'action',
      'time',
      'Org',
      'STS',
      'IAM',
      'IAM writes',
      'Veeam req',
      'Veeam writes',
      'Veeam logins',
    ],
    ...costs.map((c) => [
      c.label,
      c.action,
      `${c.ms.toFixed(0)} ms`,
      String(c.calls.organizations),
      String(c.calls.sts),
      String(c.calls.iam),
      String(c.iamWrites),
      String(c.veeam.requests),
      String(c.veeam.writes),
      String(c.veeam.logins),
    ]),
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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--scenario');
  if (i >= 0) return scenarioMain(JSON.parse(args[i + 1] ?? '{}') as ScenarioSpec);
  const quick = args.includes('--quick');
  const full = args.includes('--full') && !quick;

  const profile = `Organizations ${LATENCY.organizations} ms, STS ${LATENCY.sts} ms, IAM ${LATENCY.iam} ms, SQS ${LATENCY.sqs} ms, Veeam ${LATENCY.veeam} ms per request`;
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  console.log(
    `veeam-org-sync reconcile bench (${quick ? 'quick' : full ? 'full' : 'default'})\nlatency: ${profile}\nmachine: ${machine}\n`,
  );

  const started = Date.now();
  const run = async (spec: Omit<ScenarioSpec, 'latency'>): Promise<ScenarioResult> => {
    const t0 = Date.now();
    process.stdout.write(`running ${spec.mode} ${n(spec.accounts)} ... `);
    const r = await runChild({ ...spec, latency: LATENCY });
    console.log(`done in ${sec(Date.now() - t0)} (setup included)`);
    return r;
  };
  const reconcileOf = (r: ScenarioResult): ReconcileFigures => {
    if (r.kind !== 'reconcile') throw new Error('expected a reconcile result');
    return r.figures;
  };

  const fan1 = reconcileOf(await run({ mode: 'fan-out', accounts: 1_000 }));
  const fan10 = quick ? undefined : reconcileOf(await run({ mode: 'fan-out', accounts: 10_000 }));
  const inp1 = reconcileOf(await run({ mode: 'in-process', accounts: 1_000 }));
  const inp10 = full ? reconcileOf(await run({ mode: 'in-process', accounts: 10_000 })) : undefined;
  const single = await run({ mode: 'single', accounts: 1_000 });
  const costs = single.kind === 'single' ? single.costs : [];

  // Convergence scales with the accounts; planning with the walk: plan(10k) + converge(1k) x 10.
  const plan = (f: ReconcileFigures) => f.wallMs - f.enqueueMs;
  const estimate = fan10 && !inp10 ? plan(fan10) + (inp1.wallMs - plan(fan1)) * 10 : undefined;
  const cols: Column[] = [
    { title: 'fan-out 1,000', f: fan1 },
    ...(quick ? [] : [{ title: 'fan-out 10,000', ...(fan10 ? { f: fan10 } : {}) }]),
    { title: `in-process 1,000 (c=${inp1.concurrency})`, f: inp1 },
    ...(quick
      ? []
      : [
          {
            title: `in-process 10,000 (c=${inp1.concurrency})`,
            ...(inp10 ? { f: inp10 } : {}),
            ...(estimate ? { estimateMs: estimate } : {}),
          },
        ]),
  ];
  const rows = reconcileRows(cols);
  const cRows = costRows(costs);

  console.log(`\n${textTable(rows)}\n\n${textTable(cRows)}\n`);
  const orgNote = (f: ReconcileFigures) =>
    Object.entries(f.orgByCommand)
      .filter(([, x]) => x)
      .map(([k, x]) => `${k} ${n(x)}`)
      .join(', ');
  const notes = [
    `Organization: 1,000 or 10,000 member accounts spread round-robin over 9 leaf OUs (2 levels of 3 OUs), SCOPE_OU_IDS = the 3 top OUs; the management account sits under the root (out of scope).`,
    'Accounts: 5 % new (no roles, no Veeam entries), 0.2 % suspended but still registered (offboard), the rest converged (roles and both Veeam entries in place); plus 10 departed accounts still registered (offboard). OFFBOARD_MODE=retain.',
    `Organizations calls in fan-out 1,000: ${orgNote(fan1)}${fan10 ? `; 10,000: ${orgNote(fan10)}` : ''}.`,
    `In-process: ${orgNote(inp1)}.`,
    'Per-call latency is added to every AWS SDK call (bench/fakes-latency.ts) and to every Veeam request (simulator faults.latencyMs). Peak memory is sampled every 50 ms in the scenario process; the Veeam simulator runs in its own process and is not counted. "Before run" is after a full GC with the fakes populated (IAM state of every account too in the in-process columns). The harness drains the mocks\' call histories and the fake queue as it goes, so what remains is the service\'s.',
    ...(estimate
      ? [
          'in-process 10,000 was not run (run `npm run bench -- --full`): its wall time is extrapolated as fan-out 10,000 planning + 10 x (in-process 1,000 − fan-out 1,000 planning); calls per account are the same as at 1,000.',
        ]
      : []),
  ];
  console.log(notes.map((x) => `- ${x}`).join('\n'));
  console.log(`\ntotal ${sec(Date.now() - started)}`);

  const md = [
    '# Reconcile bench results',
    '',
    `Generated by \`npm run bench${quick ? ' -- --quick' : full ? ' -- --full' : ''}\` (bench/reconcile.bench.ts) on ${new Date().toISOString()}.`,
    '',
    `- Machine: ${machine}`,
    `- Latency profile: ${profile}`,
    `- In-process concurrency (SYNC_CONCURRENCY): ${inp1.concurrency}`,
    '',
    '## Reconcile',
    '',
    mdTable(rows),
    '',
    "## One account through convergeAccount (the worker's unit of work)",
    '',
    mdTable(cRows),
    '',
    '## Notes',
    '',
    ...notes.map((x) => `- ${x}`),
    '',
  ].join('\n');
  // A quick run measures less than the committed record: it never overwrites it.
  const file = quick ? 'RESULTS.quick.md' : 'RESULTS.md';
  writeFileSync(path.join(__dirname, file), md);
  console.log(`wrote bench/${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
