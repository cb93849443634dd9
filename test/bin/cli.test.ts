import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../bin/cli';
import { startWorld, type World } from '../../sim/world';

const A = '444455556666';
const NEW = '123412341234';
const ESC = String.fromCharCode(27);

function io(extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  return {
    out,
    err,
    progress,
    io: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      progress: { write: (t: string) => progress.push(t), isTTY: false },
      ...extra,
    } as CliIo,
  };
}

/** The one JSON document on stdout; fails when stdout holds anything else. */
function doc(c: { out: string[] }): Record<string, unknown> & { schemaVersion: number; exitCode: number } {
  expect(c.out).toHaveLength(1);
  return JSON.parse(c.out[0]!) as Record<string, unknown> & { schemaVersion: number; exitCode: number };
}

describe('the CLI (same configuration as the Lambdas, converging in-process)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
    const ou = world.org.createOu(undefined, 'ou-ab12-22222222');
    world.org.createAccount({ id: A, name: 'app-prod', parentId: ou });
    world.iam.addAccount(A);
  });
  afterAll(() => world.stop());

  it('reconcile --dry-run --json shows the plan and changes nothing', async () => {
    const c = io();
    const code = await runCli(['reconcile', '--dry-run', '--json'], c.io);
    expect(code).toBe(0);
    const d = doc(c) as unknown as {
      schemaVersion: number;
      command: string;
      report: { dryRun: boolean; accounts: Array<{ accountId: string; action: string }> };
    };
    expect(d.schemaVersion).toBe(1);
    expect(d.command).toBe('reconcile');
    expect(d.report.dryRun).toBe(true);
    expect(d.report.accounts.find((a) => a.accountId === A)?.action).toBe('create');
    expect(world.iam.writes().length).toBe(0);
    expect(world.veeam.state.writes()).toBe(0);
  });

  it('status before setup says what is and what would be done, with totals and every unprotected account', async () => {
    const c = io();
    expect(await runCli(['status'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(
      new RegExp(
        `${A}\\s+in scope\\s+backup:missing worker:missing\\s+backup:missing worker:missing\\s+- -\\s+would create`,
      ),
    );
    expect(text).not.toMatch(/created/);
    expect(text).toMatch(/Totals: 1 in scope, 0 protected, 1 not protected, 0 conflicts, 0 rotations due/);
    expect(text).toMatch(new RegExp(`Not protected:\\n  ${A}  .*missing.*would create`));
  });

  it('event <file> processes a CloudTrail event as the Lambda would', async () => {
    const c = io();
    const code = await runCli(
      ['event', path.join(__dirname, '../fixtures/create-account-result-succeeded.json')],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.out.join('\n')).toMatch(new RegExp(`${A}\\s+in scope\\s+create`));
    expect(world.veeam.state.list().filter((e) => e.accountId === A)).toHaveLength(2);
  });

  it('status --json after setup: totals, nobody unprotected', async () => {
    const c = io();
    expect(await runCli(['status', '--json'], c.io)).toBe(0);
    const d = doc(c) as unknown as { totals: Record<string, number>; notProtected: unknown[]; accounts: unknown[] };
    expect(d.totals).toEqual({ inScope: 1, protected: 1, notProtected: 0, conflicts: 0, rotationDue: 0 });
    expect(d.notProtected).toEqual([]);
    const text = io();
    await runCli(['status'], text.io);
    expect(text.out.join('\n')).toMatch(
      new RegExp(`${A}\\s+in scope\\s+backup:ok worker:ok\\s+backup:ok worker:ok\\s+0d 0d\\s+nothing`),
    );
  });

  it('status --account of an account outside the organization lists it as not protected, with why', async () => {
    const c = io();
    expect(await runCli(['status', '--account', '999999999999'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/999999999999 {2}out of scope: not a member of the organization/);
  });

  it('rotate prints every phase in order on stderr and completes before returning; --json stays one document', async () => {
    const c = io();
    const code = await runCli(['rotate', '--account', A, '--force', '--propagation-wait', '0', '--json'], c.io);
    expect(code).toBe(0);
    const phases = c.progress
      .join('')
      .split('\n')
      .filter((l) => /^\d{4}-\S+\s+\d{12}\s+VeeamBackupRole\s/.test(l))
      .map((l) => l.trim().split(/\s+/).pop());
    expect(phases).toEqual(['widened', 'propagated', 'pushed', 'verified', 'narrowed']);
    const d = doc(c) as unknown as { accounts: Array<{ accountId: string; action: string }> };
    expect(d.accounts).toEqual([expect.objectContaining({ accountId: A, action: 'rotate' })]);
    expect(c.progress.join('')).toMatch(/rotate: 1 account in \d+\.\d s, 0 failed\n$/);
  });

  it('sync of an account outside the organization says so and changes nothing', async () => {
    const c = io();
    const writes = world.iam.writes().length;
    expect(await runCli(['sync', '999999999999'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/999999999999\s+out of scope\s+skip.*not a member of the organization/);
    expect(world.iam.writes().length).toBe(writes);
  });

  it('every command answers --json with exactly one document of its own shape, errors included', async () => {
    const file = path.join(__dirname, '../fixtures/create-account-result-succeeded.json');
    const cases: Array<[string[], number, string[]]> = [
      [['help'], 0, ['usage']],
      [['status', '--help'], 0, ['usage']],
      [['sync', A], 0, ['accounts']],
      [['event', file, '--dry-run'], 0, ['accounts']],
      [['status'], 0, ['totals', 'notProtected', 'accounts']],
      [['reconcile', '--dry-run'], 0, ['report']],
      [['rotate', '--dry-run'], 0, ['accounts']],
      [['reconcile', '--dryrun'], 2, ['error']],
      [['event', '/nonexistent/event.json'], 2, ['error']],
      [['dlq', 'list'], 2, ['error']],
    ];
    for (const [argv, exit, keys] of cases) {
      const c = io();
      expect(await runCli([...argv, '--json'], c.io)).toBe(exit);
      const d = doc(c);
      expect(d).toMatchObject({ schemaVersion: 1, exitCode: exit });
      for (const k of keys) expect(d).toHaveProperty(k);
    }
  });

  it('reconcile in-process shows progress on a terminal (done/total, failures, rate, ETA) and only a summary elsewhere', async () => {
    world.org.createAccount({ id: NEW, name: 'new', parentId: world.org.rootId });
    world.iam.addAccount(NEW);
    let t = 0;
    const tty = io({ now: () => (t += 250) });
    tty.io.progress = { write: (s) => tty.progress.push(s), isTTY: true };
    expect(await runCli(['reconcile', '--dry-run'], tty.io)).toBe(0);
    const live = tty.progress.join('');
    expect(live).toContain(`\r${ESC}[2Kreconcile: 1/2 accounts, 0 failed, `);
    expect(live).toMatch(/reconcile: 1\/2 accounts, 0 failed, [\d.]+\/s, ETA \d+s/);
    expect(live).toMatch(/reconcile: 2 accounts in [\d.]+ s, 0 failed\n$/);

    const pipe = io();
    expect(await runCli(['reconcile', '--dry-run'], pipe.io)).toBe(0);
    expect(pipe.progress).toEqual([expect.stringMatching(/^reconcile: 2 accounts in [\d.]+ s, 0 failed\n$/)]);

    const noColor = io({ env: { ...process.env, NO_COLOR: '1' } });
    noColor.io.progress = { write: (s) => noColor.progress.push(s), isTTY: true };
    expect(await runCli(['reconcile', '--dry-run'], noColor.io)).toBe(0);
    expect(noColor.progress.join('')).not.toContain(ESC);
    expect(noColor.progress.join('')).not.toContain('\r');
    expect(noColor.progress.join('')).toMatch(/reconcile: 1\/2 accounts, 0 failed/);
  });

  it('file errors name the file: missing, empty, not JSON', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
    const empty = path.join(dir, 'empty.json');
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(empty, '\n');
    fs.writeFileSync(broken, '{"detail": ');
    for (const [file, why] of [
      [path.join(dir, 'missing.json'), /does not exist/],
      [empty, /is empty/],
      [broken, /is not JSON/],
    ] as const) {
      const c = io();
      expect(await runCli(['event', file], c.io)).toBe(2);
      expect(c.err).toHaveLength(1);
      expect(c.err[0]).toContain(`"${file}"`);
      expect(c.err[0]).toMatch(why);
      expect(c.err[0]).not.toMatch(/\n\s+at /);
    }
  });

  it('event - reads standard input and names it when it is empty', async () => {
    const c = io({ readStdin: () => '' });
    expect(await runCli(['event', '-'], c.io)).toBe(2);
    expect(c.err).toEqual([expect.stringMatching(/an EventBridge event on standard input is empty/)]);
    const ok = io({
      readStdin: () =>
        fs.readFileSync(path.join(__dirname, '../fixtures/create-account-result-succeeded.json'), 'utf8'),
    });
    expect(await runCli(['event', '-', '--dry-run'], ok.io)).toBe(0);
  });

  it('bad configuration exits with 2 and says what to fix', async () => {
    const bad = io({ env: { ...process.env, VEEAM_PRINCIPAL_ARN: '' } });
    expect(await runCli(['status'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/VEEAM_PRINCIPAL_ARN is required/);
    const url = io({ env: { ...process.env, VEEAM_URL: 'https://10.0.1.10/api/v1' } });
    expect(await runCli(['status'], url.io)).toBe(2);
    expect(url.err.join('\n')).toMatch(/use https:\/\/10\.0\.1\.10:11005, the REST base without \/api\/v1/);
  });
});
