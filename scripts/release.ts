/**
 * `npm run release [-- --stage prod] [--parameters config/prod.yml]`: builds dist/ offline, for teams that deploy with
 * plain CloudFormation, StackSets, Customizations for Control Tower, Service Catalog or Terraform:
 *   dist/veeam-org-sync.template.json             the service stack; its code in s3://<ArtifactBucketPrefix>-<region>/
 *   dist/veeam-org-sync-management.template.json  the management stack (no code)
 *   dist/veeam-org-sync-forwarder.template.json   the forwarder stack (no code)
 *   dist/veeam-org-sync/<version>/<function>.zip  the function code, at the key the service template names
 *   dist/SHA256SUMS                               SHA-256 of every file above (sha256sum -c SHA256SUMS)
 *   dist/parameters-<stage>[-management|-forwarder].json   with --parameters: a saved configuration as a
 *                                                 CloudFormation parameters file (aws cloudformation create-stack
 *                                                 --parameters file://...), checked like `serverless deploy` checks it.
 * The templates are what `serverless package` writes from the same serverless.yml files, with the code moved from
 * the deployment bucket to the regional artifact buckets (scripts/publish.ts copies the zips there).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { SavedConfig, StackKind } from './stack-settings';
import {
  deployProblems,
  readStackDefinition,
  resolveSettings,
  ROOT,
  SettingsError,
  STACKS,
  toStackParameters,
} from './stack-settings';

const run = promisify(execFile);

export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const DIST = join(ROOT, 'dist');
/** The key prefix of the function code in every regional artifact bucket. */
export const artifactKeyPrefix = (version = VERSION) => `veeam-org-sync/${version}`;
export const templateFile = (kind: StackKind) => `${STACKS[kind].service}.template.json`;

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] };
export interface ReleaseTemplate {
  Description?: string;
  Parameters: Record<string, Record<string, unknown>>;
  Metadata?: { 'AWS::CloudFormation::Interface'?: { ParameterGroups: { Label: unknown; Parameters: string[] }[] } };
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

const DEPLOYMENT_BUCKET = ['ServerlessDeploymentBucket', 'ServerlessDeploymentBucketPolicy'];

/** Every logical id a value refers to (Ref, Fn::GetAtt, ${Id} in Fn::Sub). */
function references(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) references(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Ref' && typeof x === 'string') out.add(x);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(x) ? String(x[0]) : String(x).split('.')[0]!);
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(x) ? String(x[0]) : String(x);
        for (const m of text.matchAll(/\$\{([^}!.]+)[.}]/g)) out.add(m[1]!);
        references(x, out);
      } else references(x, out);
    }
  return out;
}

/**
 * The packaged template as a release template: no deployment bucket; the code of every function at
 * s3://<ArtifactBucketPrefix>-<region>/veeam-org-sync/<version>/<zip>; no DependsOn that a reference already implies.
 */
export function toReleaseTemplate(packaged: ReleaseTemplate, kind: StackKind, version = VERSION): ReleaseTemplate {
  const t = structuredClone(packaged);
  for (const id of DEPLOYMENT_BUCKET) delete t.Resources[id];
  for (const id of Object.keys(t.Outputs ?? {})) if (id.startsWith('ServerlessDeploymentBucket')) delete t.Outputs![id];
  let hasCode = false;
  for (const r of Object.values(t.Resources)) {
    const code =
      r.Type === 'AWS::Lambda::Function' ? (r.Properties?.Code as { S3Key?: string } | undefined) : undefined;
    if (code?.S3Key) {
      hasCode = true;
      r.Properties!.Code = {
        S3Bucket: { 'Fn::Sub': '${ArtifactBucketPrefix}-${AWS::Region}' },
        S3Key: `${artifactKeyPrefix(version)}/${basename(code.S3Key)}`,
      };
    }
    if (r.DependsOn !== undefined) {
      const implied = references(r.Properties);
      const kept = (Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]).filter((d) => !implied.has(d));
      if (kept.length) r.DependsOn = kept;
      else delete r.DependsOn;
    }
  }
  if (hasCode) {
    t.Parameters = {
      ArtifactBucketPrefix: {
        Type: 'String',
        Description: `Buckets holding the function code: <prefix>-<region>, one per region deployed to (scripts/publish.ts copies the code to ${artifactKeyPrefix(version)}/ in each).`,
        AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,40}[a-z0-9]$',
        ConstraintDescription:
          'ArtifactBucketPrefix must be the start of an S3 bucket name (lower-case letters, digits, "." and "-"); the region is appended.',
      },
      ...t.Parameters,
    };
    t.Metadata?.['AWS::CloudFormation::Interface']?.ParameterGroups.push({
      Label: { default: 'Release artifacts' },
      Parameters: ['ArtifactBucketPrefix'],
    });
  }
  const what = { service: 'service stack', management: 'management stack', forwarder: 'forwarder stack' }[kind];
  t.Description = `veeam-org-sync ${version}: ${what} (built by npm run release).`;
  return t;
}

async function packageStack(kind: StackKind, stage: string, out: string): Promise<void> {
  const dir = kind === 'service' ? ROOT : join(ROOT, kind);
  const bin = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  // The region is only where `serverless` would deploy; the templates name it as AWS::Region. Fixed, so that a
  // region saved in config/<stage>.yml does not change the release.
  await run(process.execPath, [bin, 'package', '--stage', stage, '--region', 'us-east-1', '--package', out], {
    cwd: dir,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

export const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** dist/SHA256SUMS: one "<hex>  <path>" line per file, as sha256sum writes and checks it. */
export function writeChecksums(dist: string, files: string[]): string {
  const path = join(dist, 'SHA256SUMS');
  writeFileSync(path, files.map((f) => `${sha256(join(dist, f))}  ${f}\n`).join(''));
  return path;
}

/**
 * A saved configuration as CloudFormation parameters files, one per stack it configures: the service (top level,
 * plus artifactBucketPrefix for the release template), management: and forwarder:. Refused like `serverless deploy`
 * refuses it, naming each setting.
 */
export function parametersFiles(configPath: string, dist: string, version = VERSION): string[] {
  const name = basename(configPath).replace(/\.ya?ml$/, '');
  const saved = (parse(readFileSync(configPath, 'utf8')) ?? {}) as SavedConfig;
  const { artifactBucketPrefix, ...rest } = saved;
  const written: string[] = [];
  const problems: string[] = [];
  for (const kind of ['service', 'management', 'forwarder'] as StackKind[]) {
    const section = STACKS[kind].section;
    if (section && rest[section] === undefined) continue;
    const def = readStackDefinition(kind);
    try {
      const { values } = resolveSettings(def, rest, {}, name);
      problems.push(...deployProblems(def, values).map((p) => (section ? `${section}: ${p}` : p)));
      const parameters = toStackParameters(values);
      if (kind === 'service') {
        if (typeof artifactBucketPrefix !== 'string' || !artifactBucketPrefix)
          problems.push(
            `artifactBucketPrefix is required for the release template: the start of the regional bucket names holding ${artifactKeyPrefix(version)}/.`,
          );
        else parameters.unshift({ ParameterKey: 'ArtifactBucketPrefix', ParameterValue: artifactBucketPrefix });
      }
      const file = join(dist, `parameters-${name}${section ? `-${section}` : ''}.json`);
      writeFileSync(file, `${JSON.stringify(parameters, null, 2)}\n`);
      written.push(file);
    } catch (err) {
      if (err instanceof SettingsError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) {
    for (const f of written) rmSync(f, { force: true });
    throw new SettingsError(problems.map((p) => `${relative(ROOT, configPath)}: ${p}`));
  }
  return written;
}

export async function release(options: { stage: string; parameters?: string; dist?: string }): Promise<string[]> {
  const dist = options.dist ?? DIST;
  rmSync(dist, { recursive: true, force: true });
  const codeDir = join(dist, artifactKeyPrefix());
  mkdirSync(codeDir, { recursive: true });
  const files: string[] = [];
  for (const kind of ['service', 'management', 'forwarder'] as StackKind[]) {
    const out = mkdtempSync(join(tmpdir(), `veeam-org-sync-release-${kind}-`));
    try {
      await packageStack(kind, options.stage, out);
      const packaged = JSON.parse(
        readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
      ) as ReleaseTemplate;
      // Compact: a template body passed inline (not by URL) must stay under CloudFormation's 51,200 bytes.
      writeFileSync(join(dist, templateFile(kind)), `${JSON.stringify(toReleaseTemplate(packaged, kind))}\n`);
      files.push(templateFile(kind));
      for (const zip of readdirSync(out).filter((f) => f.endsWith('.zip'))) {
        copyFileSync(join(out, zip), join(codeDir, zip));
        files.push(`${artifactKeyPrefix()}/${zip}`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  writeChecksums(dist, files);
  if (options.parameters) files.push(...parametersFiles(options.parameters, dist).map((f) => relative(dist, f)));
  return files;
}

/** `--name value` or `--name=value` from a script's arguments. */
export function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('scripts/release.ts')) {
  const args = process.argv.slice(2);
  const stage = argValue(args, '--stage') ?? 'prod';
  const parameters = argValue(args, '--parameters');
  release({ stage, ...(parameters ? { parameters } : {}) }).then(
    (files) => process.stdout.write(`dist/ (veeam-org-sync ${VERSION}, stage ${stage}):\n  ${files.join('\n  ')}\n`),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
