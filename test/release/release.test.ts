import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ReleaseTemplate } from '../../scripts/release';
import { artifactKeyPrefix, parametersFiles, release, templateFile, VERSION } from '../../scripts/release';
import { publish, PublishError } from '../../scripts/publish';
import type { SettingsError } from '../../scripts/stack-settings';
import { readStackDefinition } from '../../scripts/stack-settings';
import { asWritten, packageTemplate, packagingAlone, ROOT } from '../template/cfn';

const run = promisify(execFile);
const dist = mkdtempSync(join(tmpdir(), 'veeam-org-sync-dist-'));
const FUNCTIONS = ['intake', 'worker', 'reconcile', 'rotate'];
let files: string[];
const template = (kind: 'service' | 'management' | 'forwarder') =>
  JSON.parse(readFileSync(join(dist, templateFile(kind)), 'utf8')) as ReleaseTemplate;

beforeAll(async () => {
  // .ci/run builds the release right before the tests (npm run release): RELEASE_REUSE_DIST=1 checks a copy of that
  // dist/ (the tests write parameters files into theirs) instead of building the same release a second time.
  if (process.env.RELEASE_REUSE_DIST === '1') {
    if (!existsSync(join(ROOT, 'dist', 'SHA256SUMS')))
      throw new Error('RELEASE_REUSE_DIST=1 checks dist/ as npm run release left it: run npm run release first.');
    await run('cp', ['-R', `${join(ROOT, 'dist')}/.`, dist]);
    files = readFileSync(join(dist, 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.slice(line.indexOf('  ') + 2));
    return;
  }
  // release() packages in the three service folders, where other test files package too: it takes each folder's lock.
  const alone = <T>(dir: string, work: () => Promise<T>) => packagingAlone(join(ROOT, dir), work);
  const packaged = () => release({ stage: 'prod', dist });
  files = await alone('.', () => alone('management', () => alone('forwarder', packaged)));
}, 600_000);

describe('npm run release (offline)', () => {
  it('writes the three templates, the function zips at their versioned keys and their SHA-256 sums to dist/', () => {
    expect([...files].sort()).toEqual(
      [
        'veeam-org-sync.template.json',
        'veeam-org-sync-management.template.json',
        'veeam-org-sync-forwarder.template.json',
        ...FUNCTIONS.map((f) => `veeam-org-sync/${VERSION}/${f}.zip`),
      ].sort(),
    );
    for (const f of files) expect([f, statSync(join(dist, f)).size > 0]).toEqual([f, true]);
    // sha256sum -c is how an operator checks what they copy.
    const checked = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist, encoding: 'utf8' });
    expect(checked.trim().split('\n').sort()).toEqual(files.map((f) => `${f}: OK`).sort());
  });

  it('points every function at the regional artifact bucket, at the key the zip has in dist/, with no deployment bucket', () => {
    const t = template('service');
    const functions = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [, r] of functions) {
      const code = r.Properties!.Code as { S3Bucket: unknown; S3Key: string };
      expect(code.S3Bucket).toEqual({ 'Fn::Sub': '${ArtifactBucketPrefix}-${AWS::Region}' });
      expect(code.S3Key).toMatch(
        new RegExp(`^${artifactKeyPrefix().replace(/\./g, '\\.')}/(${FUNCTIONS.join('|')})\\.zip$`),
      );
      expect(existsSync(join(dist, code.S3Key))).toBe(true);
    }
    expect(t.Parameters.ArtifactBucketPrefix).toMatchObject({ Type: 'String', Description: expect.any(String) });
    for (const kind of ['service', 'management', 'forwarder'] as const) {
      const text = JSON.stringify(template(kind));
      expect([kind, text.includes('ServerlessDeploymentBucket')]).toEqual([kind, false]);
      expect([kind, template(kind).Description]).toEqual([kind, expect.stringContaining(VERSION)]);
    }
  });

  it('makes every setting of every stack a described parameter, each in one console group', () => {
    for (const kind of ['service', 'management', 'forwarder'] as const) {
      const t = template(kind);
      const settings = Object.keys(readStackDefinition(kind).Parameters);
      expect(Object.keys(t.Parameters)).toEqual(expect.arrayContaining(settings));
      for (const [name, p] of Object.entries(t.Parameters))
        expect([name, typeof p.Description === 'string' && p.Description.length > 20]).toEqual([name, true]);
      const grouped = t.Metadata!['AWS::CloudFormation::Interface']!.ParameterGroups.flatMap((g) => g.Parameters);
      expect([kind, grouped.sort()]).toEqual([kind, Object.keys(t.Parameters).sort()]);
    }
    // The service: the 42 settings the functions and resources use, plus where the code is.
    expect(Object.keys(template('service').Parameters)).toHaveLength(43);
  });

  it('checks the required values in the template itself (Rules and patterns), whatever deploys it', () => {
    const t = template('service') as ReleaseTemplate & { Rules: Record<string, { Assertions: unknown[] }> };
    const asserted = JSON.stringify(t.Rules);
    for (const p of ['OrgId', 'VeeamUrl', 'VeeamSecretArn', 'VeeamPrincipalArn', 'OrgRootId'])
      expect([p, asserted.includes(`{"Ref":"${p}"}`)]).toEqual([p, true]);
    expect(t.Parameters.VeeamSecretArn).toMatchObject({
      AllowedPattern: expect.any(String),
      ConstraintDescription: expect.stringMatching(/^VeeamSecretArn/),
    });
    expect(t.Parameters.OrgId).toMatchObject({ AllowedPattern: '^o-[a-z0-9]{10,32}$' });
  });

  it('maps the secrets extension layer for at least 15 regions, overridable by a parameter', () => {
    const t = template('service') as ReleaseTemplate & { Mappings: Record<string, Record<string, { x86: string }>> };
    const regions = Object.entries(t.Mappings.SecretsExtensionLayers!);
    expect(regions.length).toBeGreaterThanOrEqual(15);
    for (const [region, arns] of regions)
      expect(arns.x86).toMatch(
        new RegExp(`^arn:aws:lambda:${region}:\\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension:\\d+$`),
      );
    const worker = t.Resources.WorkerLambdaFunction!.Properties!;
    expect(worker.Layers).toEqual([
      {
        'Fn::If': [
          'HasSecretsExtensionLayerArn',
          { Ref: 'SecretsExtensionLayerArn' },
          { 'Fn::FindInMap': ['SecretsExtensionLayers', { Ref: 'AWS::Region' }, 'x86'] },
        ],
      },
    ]);
  });
});

describe('a saved configuration as CloudFormation parameters files (npm run release -- --parameters)', () => {
  const config = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'veeam-org-sync-config-'));
    writeFileSync(join(dir, 'prod.yml'), text);
    return join(dir, 'prod.yml');
  };

  it('writes one parameters file per stack configured, with every parameter and the code buckets', () => {
    const written = parametersFiles(join(__dirname, '..', '..', 'config', 'example.yml'), dist);
    expect(written.map((f) => f.slice(dist.length + 1))).toEqual([
      'parameters-example.json',
      'parameters-example-management.json',
      'parameters-example-forwarder.json',
    ]);
    const service = JSON.parse(readFileSync(written[0]!, 'utf8')) as { ParameterKey: string; ParameterValue: string }[];
    expect(service.map((p) => p.ParameterKey).sort()).toEqual(Object.keys(template('service').Parameters).sort());
    expect(service).toContainEqual({ ParameterKey: 'SubnetIds', ParameterValue: 'subnet-0a1b2c3d,subnet-4e5f6a7b' });
    expect(service).toContainEqual({ ParameterKey: 'ArtifactBucketPrefix', ParameterValue: 'acme-veeam-org-sync' });
  });

  it('refuses a configuration with a required value left out, naming it, and writes nothing', () => {
    const path = config('orgId: o-abc123def4\norgRootId: r-ab12\nveeamUrl: https://10.0.1.10:11005\n');
    let problems: string[] = [];
    try {
      parametersFiles(path, dist);
    } catch (err) {
      problems = (err as SettingsError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/prod\.yml: VeeamSecretArn is still the placeholder/),
      expect.stringMatching(/prod\.yml: VeeamPrincipalArn is required/),
      expect.stringMatching(/prod\.yml: artifactBucketPrefix is required/),
    ]);
    expect(existsSync(join(dist, 'parameters-prod.json'))).toBe(false);
  });
});

describe('publishing to the regional buckets (scripts/publish.ts, against a fake aws CLI)', () => {
  /** An `aws` that records its arguments, one call per line. */
  function fakeAws(): { aws: string; calls: () => string[][] } {
    const dir = mkdtempSync(join(tmpdir(), 'fake-aws-'));
    const log = join(dir, 'calls');
    const aws = join(dir, 'aws');
    writeFileSync(aws, `#!/bin/sh\nprintf '%s\\t' "$@" >> "${log}"\necho >> "${log}"\n`);
    chmodSync(aws, 0o755);
    const calls = () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split('\t').filter(Boolean))
        : [];
    return { aws, calls };
  }

  it('copies every zip, template and the sums to <prefix>-<region> at the versioned key, per region', async () => {
    const { aws, calls } = fakeAws();
    const n = await publish({ bucketPrefix: 'acme-vos', regions: ['eu-central-1', 'us-east-1'], dist, aws });
    expect(n).toBe(2 * (files.length + 1));
    const destinations = calls().map((c) => [c[0], c[1], c[3], c[5]]);
    for (const region of ['eu-central-1', 'us-east-1']) {
      for (const f of FUNCTIONS)
        expect(destinations).toContainEqual([
          's3',
          'cp',
          `s3://acme-vos-${region}/veeam-org-sync/${VERSION}/${f}.zip`,
          region,
        ]);
      expect(destinations).toContainEqual([
        's3',
        'cp',
        `s3://acme-vos-${region}/veeam-org-sync/${VERSION}/veeam-org-sync.template.json`,
        region,
      ]);
    }
    // Each zip goes to the key it has under dist/, the key the service template names.
    for (const [, , source, destination] of calls().filter((c) => c[2]!.endsWith('.zip')))
      expect(source).toBe(join(dist, destination!.replace(/^s3:\/\/[^/]+\//, '')));
  });

  it('refuses to publish a file that changed since the release, before any copy', async () => {
    const { aws, calls } = fakeAws();
    const copy = mkdtempSync(join(tmpdir(), 'veeam-org-sync-dist-copy-'));
    await run('cp', ['-R', `${dist}/.`, copy]);
    writeFileSync(join(copy, templateFile('forwarder')), '{}');
    await expect(publish({ bucketPrefix: 'acme-vos', regions: ['eu-central-1'], dist: copy, aws })).rejects.toThrow(
      new PublishError(
        'Not published: veeam-org-sync-forwarder.template.json changed since the release was built. Run npm run release again.',
      ),
    );
    expect(calls()).toEqual([]);
  });
});

const hasCfnLint = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v cfn-lint'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasCfnLint)
  console.warn('SKIPPED: cfn-lint is not on PATH, the template lint tests need it (pip install cfn-lint).');
const withCfnLint = hasCfnLint ? it : it.skip;

describe('cfn-lint (needs cfn-lint on PATH; skipped visibly without it)', () => {
  const lint = (paths: string[]) =>
    run('cfn-lint', paths, { maxBuffer: 8 * 1024 * 1024 }).then(
      () => '',
      (e: { stdout: string }) => e.stdout,
    );

  withCfnLint(
    'needs cfn-lint: reports no error and no warning on any release template',
    async () => {
      expect(
        await lint(['service', 'management', 'forwarder'].map((k) => join(dist, templateFile(k as 'service')))),
      ).toBe('');
    },
    120_000,
  );

  withCfnLint(
    'needs cfn-lint: finds no condition fixed at package time (W8003) in the serverless-packaged template',
    async () => {
      // The template `serverless package --stage dev` writes (packaged once for the template tests), as written.
      const packaged = asWritten(await packageTemplate());
      const file = join(
        mkdtempSync(join(tmpdir(), 'veeam-org-sync-lint-')),
        'cloudformation-template-update-stack.json',
      );
      writeFileSync(file, JSON.stringify(packaged));
      const report = await lint([file]);
      expect(report.match(/^[EW]\d+.*$/gm)?.filter((l) => /^(E|W8003)/.test(l)) ?? []).toEqual([]);
    },
    300_000,
  );
});
