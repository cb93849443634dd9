import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { SERVED_ACCOUNTS } from '../../sandbox/serve';

const ROOT = path.join(__dirname, '../..');
const TSX = require.resolve('tsx/cli');
const LAUNCHER = path.join(ROOT, 'bin/veeam-org-sync.mjs');

/** What an operator's second terminal has: PATH and HOME, then the pasted export lines. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
}

/** Starts `npm run sandbox -- --serve` (the same script, without npm) and reads the export lines up to "# ready". */
function startServe(): Promise<{ child: ChildProcess; env: Record<string, string>; banner: string }> {
  const child = spawn(process.execPath, [TSX, 'sandbox/run.ts', '--serve'], {
    cwd: ROOT,
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no "# ready" within 60 s; got:\n${text}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}):\n${text}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (!/^# ready/m.test(text)) return;
      clearTimeout(timer);
      const env: Record<string, string> = {};
      for (const m of text.matchAll(/^export (\w+)='((?:[^']|'\\'')*)'$/gm)) env[m[1]!] = m[2]!.replace(/'\\''/g, "'");
      resolve({ child, env, banner: text });
    });
  });
}

function cli(env: Record<string, string>, argv: string[]) {
  const r = spawnSync(process.execPath, [LAUNCHER, ...argv], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run sandbox -- --serve: the CLI tried from a second terminal, no AWS', () => {
  let served: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    served = await startServe();
  }, 70_000);
  afterAll(() => {
    if (served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('prints the environment as export lines: simulated AWS endpoints, the appliance, its pin, the secret', () => {
    expect(served.env.AWS_ENDPOINT_URL_ORGANIZATIONS).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/organizations$/);
    expect(served.env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/secretsmanager$/);
    expect(served.env.VEEAM_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(served.env.VEEAM_CERT_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(served.env).toHaveProperty('VEEAM_SECRET_ID');
    expect(served.banner).toMatch(/^unset AWS_PROFILE AWS_SESSION_TOKEN/m);
  });

  it('status, sync, then status again: the account is protected, and no SDK version notice on stderr', () => {
    const before = cli(served.env, ['status', '--json']);
    expect(before.status).toBe(0);
    const b = JSON.parse(before.stdout) as { totals: { inScope: number; protected: number } };
    expect(b.totals).toMatchObject({ inScope: 2, protected: 0 });

    const sync = cli(served.env, ['sync', SERVED_ACCOUNTS.appProd, '--json']);
    expect(sync.status).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({
      accounts: [expect.objectContaining({ accountId: SERVED_ACCOUNTS.appProd, action: 'create' })],
    });

    const after = cli(served.env, ['status']);
    expect(after.status).toBe(0);
    expect(after.stdout).toMatch(/Totals: 2 in scope, 1 protected, 1 not protected/);
    for (const r of [before, sync, after]) {
      expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript/);
      expect(r.stderr).not.toMatch(/\(node:\d+\) Warning/);
    }
  }, 120_000);

  it('event: an EventBridge event file is processed against the served organization', () => {
    const r = cli(served.env, ['event', 'test/fixtures/create-account-result-succeeded.json', '--dry-run', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      accounts: [expect.objectContaining({ accountId: SERVED_ACCOUNTS.appProd, inScope: true })],
    });
  }, 60_000);

  it('doctor passes every check against the served organization, layer and appliance', () => {
    const r = cli(served.env, ['doctor', '--json']);
    const doc = JSON.parse(r.stdout) as { exitCode: number; checks: Array<{ id: string; status: string }> };
    expect(doc.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.status).toBe(0);
    expect(doc.checks.find((c) => c.id === 'extension-layer')).toMatchObject({ status: 'ok' });
    expect(doc.checks.find((c) => c.id === 'appliance-login')).toMatchObject({ status: 'ok' });
  }, 60_000);

  it('the SDK notice is only gone because of the opt-out: asked back, Node 20 prints it', () => {
    const major = Number(process.versions.node.split('.')[0]);
    const r = cli({ ...served.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' }, ['status', '--json']);
    expect(r.status).toBe(0);
    // The SDK warns on Node < 22 only; on the Lambda runtime's Node there is nothing to suppress.
    if (major < 22) expect(r.stderr).toMatch(/NodeVersionSupportWarning/);
    else expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
  }, 60_000);

  it('SIGTERM stops the sandbox cleanly (exit 0) and its ports close', async () => {
    const exited = new Promise<number | null>((resolve) => served.child.once('exit', (code) => resolve(code)));
    served.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 15_000))),
    ]);
    clearTimeout(timer);
    expect(code).toBe(0);
    for (const url of [served.env.AWS_ENDPOINT_URL_IAM!, served.env.VEEAM_URL!]) {
      const port = Number(new URL(url).port);
      const refused = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (err: Error & { code?: string }) => resolve(err.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  }, 60_000);
});
