import { sqsRecord } from '../../sim/lambda';
import { QUEUES, startWorld, type World } from '../../sim/world';

/**
 * What an operator reads in CloudWatch Logs: every line any function writes is one JSON object (Logs Insights
 * queries and metric filters parse nothing else), `cold_start` is true only on a container's first invocation,
 * and the EMF metrics are still published.
 */
let world: World;
let lines: string[] = [];
const streams = [process.stdout, process.stderr] as const;
const originals = streams.map((s) => s.write.bind(s));

beforeAll(async () => {
  world = await startWorld({
    env: { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'false' },
  });
  const { logger } = await import('../../lib/log');
  logger.setLogLevel('INFO');
  streams.forEach((stream) => {
    let pending = '';
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        lines.push(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    };
  });
});
afterAll(async () => {
  streams.forEach((s, i) => (s.write = originals[i]!));
  await world.stop();
});

function parsed(): Record<string, unknown>[] {
  const notJson = lines.filter((l) => {
    try {
      return typeof JSON.parse(l) !== 'object';
    } catch {
      return true;
    }
  });
  expect(notJson).toEqual([]);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

it('every line of every function is JSON; cold_start only on the first invocation; metrics still published', async () => {
  // An account outside the organization: the worker converges nothing and has no application metric to publish,
  // the case that used to print a plain-text Powertools warning.
  const outside = JSON.stringify({ accountId: '999988887777', action: 'sync', reason: 'test', eventId: 'ev-1' });
  const invokeWorker = (n: number) =>
    world.invokeWorker({
      Records: [sqsRecord({ messageId: `m-${n}`, body: outside, receiveCount: 1, groupId: '999988887777' })],
    });

  lines = [];
  await invokeWorker(1);
  const first = parsed();
  lines = [];
  await invokeWorker(2);
  const second = parsed();
  lines = [];
  await world.invokeReconcile({ dryRun: true });
  await world.invokeRotate({});
  await world.deliverEvent({ 'detail-type': 'Not an event we know', source: 'aws.organizations', detail: {} });
  const others = parsed();

  const logLines = (xs: Record<string, unknown>[]) => xs.filter((x) => 'level' in x);
  expect(logLines(first).length).toBeGreaterThan(0);
  expect(logLines(second).length).toBeGreaterThan(0);
  expect(logLines(first).every((x) => x.cold_start === true)).toBe(true);
  expect(logLines(second).map((x) => [x.message, x.cold_start])).toEqual(
    logLines(second).map((x) => [x.message, false]),
  );
  expect(logLines(others).every((x) => x.cold_start === false)).toBe(true);
  // The per-account lines carry the account.
  expect(second.some((x) => x.message === 'account not in scope' && x.accountId === '999988887777')).toBe(true);
  // EMF: the cold-start metric of the first invocation is published as a JSON line of its own.
  const emf = [...first, ...second, ...others].filter((x) => '_aws' in x);
  expect(emf.some((x) => x.ColdStart === 1)).toBe(true);
  expect(world.sqs.messages(QUEUES.workerDlq)).toHaveLength(0);
});

it("Powertools Metrics' own diagnostics are JSON log lines; an invocation without metrics is DEBUG, not a warning", async () => {
  const { metrics } = await import('../../lib/metrics');
  const { logger } = await import('../../lib/log');
  lines = [];
  metrics().publishStoredMetrics();
  expect(parsed()).toEqual([]);
  logger.setLogLevel('DEBUG');
  metrics().publishStoredMetrics();
  logger.setLogLevel('INFO');
  expect(parsed()).toEqual([
    expect.objectContaining({ level: 'DEBUG', message: expect.stringMatching(/^No application metrics to publish/) }),
  ]);
});
