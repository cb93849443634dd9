import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packagingAlone, ROOT } from './cfn';

const run = promisify(execFile);
const SERVERLESS_BIN = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
const OFFLINE = {
  SLS_TELEMETRY_DISABLED: '1',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
  AWS_SECRET_ACCESS_KEY: 'not-a-real-key',
  // Any AWS call goes here and fails with ECONNREFUSED.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};

/** `serverless <args>` in `cwd`, offline: its exit code and output (stdout + stderr). */
export async function serverless(args: string[], cwd = ROOT): Promise<{ code: number; output: string }> {
  return packagingAlone(cwd, () =>
    run(process.execPath, [SERVERLESS_BIN, ...args], {
      cwd,
      timeout: 150_000,
      env: { ...process.env, ...OFFLINE },
    }).then(
      (r) => ({ code: 0, output: `${r.stdout}${r.stderr}` }),
      (e: { code?: number; stdout: string; stderr: string }) => ({
        code: e.code ?? 1,
        output: `${e.stdout}${e.stderr}`,
      }),
    ),
  );
}

/** `serverless deploy <args>`, which must fail: its output. */
export async function failedDeploy(args: string[], cwd = ROOT): Promise<string> {
  const { code, output } = await serverless(['deploy', ...args], cwd);
  if (code === 0) throw new Error(`serverless deploy ${args.join(' ')} succeeded offline:\n${output}`);
  return output;
}

/** The stack parameters `serverless deploy --stage <stage>` would pass, from a `serverless package` of that stage. */
export async function packagedStackParameters(stage: string, cwd = ROOT): Promise<Record<string, string>> {
  const out = mkdtempSync(join(tmpdir(), 'veeam-org-sync-stage-'));
  const { code, output } = await serverless(['package', '--stage', stage, '--package', out], cwd);
  if (code !== 0) throw new Error(output);
  const state = JSON.parse(readFileSync(join(out, 'serverless-state.json'), 'utf8')) as {
    service: { provider: { stackParameters: { ParameterKey: string; ParameterValue: string }[]; region: string } };
  };
  return Object.fromEntries([
    ...state.service.provider.stackParameters.map((p) => [p.ParameterKey, p.ParameterValue]),
    ['region', state.service.provider.region],
  ]) as Record<string, string>;
}
