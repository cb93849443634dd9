/**
 * `npm run release:publish -- --bucket-prefix <prefix> --regions eu-central-1,us-east-1`: copies what
 * `npm run release` built to the regional artifact buckets, s3://<prefix>-<region>/, with the AWS CLI (`aws s3 cp`,
 * credentials and profile as the CLI finds them): the function zips at the keys the service template names
 * (veeam-org-sync/<version>/<function>.zip), and beside them the templates and SHA256SUMS (a TemplateURL for
 * StackSets, Service Catalog or CfCT). Every file is checked against dist/SHA256SUMS before the first copy; the
 * buckets must exist and be readable by CloudFormation in the accounts that deploy (docs: "Release and publish").
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { argValue, artifactKeyPrefix, DIST, sha256, VERSION } from './release';

const run = promisify(execFile);

export class PublishError extends Error {
  override readonly name = 'PublishError';
}

export interface PublishOptions {
  bucketPrefix: string;
  regions: string[];
  dist?: string;
  version?: string;
  /** The AWS CLI executable (default: aws on PATH). */
  aws?: string;
}

/** The files of dist/SHA256SUMS, each checked: a missing or changed file refuses the whole publication. */
export function verifiedFiles(dist: string): string[] {
  const sums = join(dist, 'SHA256SUMS');
  if (!existsSync(sums)) throw new PublishError(`${sums} not found: run npm run release first.`);
  const files: string[] = [];
  const bad: string[] = [];
  for (const line of readFileSync(sums, 'utf8').split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) throw new PublishError(`SHA256SUMS: unreadable line "${line}".`);
    const [, hex, file] = m as unknown as [string, string, string];
    if (!existsSync(join(dist, file))) bad.push(`${file} is missing`);
    else if (sha256(join(dist, file)) !== hex) bad.push(`${file} changed since the release was built`);
    files.push(file);
  }
  if (bad.length) throw new PublishError(`Not published: ${bad.join('; ')}. Run npm run release again.`);
  return files;
}

/** The `aws` calls publishing makes, in order: one `s3 cp` per file and region. */
export function publishCommands(options: PublishOptions): string[][] {
  const dist = options.dist ?? DIST;
  const prefix = artifactKeyPrefix(options.version ?? VERSION);
  if (!/^[a-z0-9][a-z0-9.-]{1,40}[a-z0-9]$/.test(options.bucketPrefix))
    throw new PublishError(
      `--bucket-prefix "${options.bucketPrefix}" must be the start of an S3 bucket name (lower-case letters, digits, "." and "-").`,
    );
  if (!options.regions.length || options.regions.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r)))
    throw new PublishError(
      `--regions "${options.regions.join(',')}" must be region names, e.g. eu-central-1,us-east-1.`,
    );
  const files = [...verifiedFiles(dist), 'SHA256SUMS'];
  return options.regions.flatMap((region) =>
    files.map((file) => {
      // The zips already sit under veeam-org-sync/<version>/ in dist; templates and sums go beside them.
      const key = file.startsWith(`${prefix}/`) ? file : `${prefix}/${file}`;
      return ['s3', 'cp', join(dist, file), `s3://${options.bucketPrefix}-${region}/${key}`, '--region', region];
    }),
  );
}

export async function publish(options: PublishOptions, log: (line: string) => void = () => {}): Promise<number> {
  const commands = publishCommands(options);
  for (const args of commands) {
    log(`aws ${args.join(' ')}`);
    await run(options.aws ?? 'aws', args, { maxBuffer: 4 * 1024 * 1024 });
  }
  return commands.length;
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('scripts/publish.ts')) {
  const args = process.argv.slice(2);
  const bucketPrefix = argValue(args, '--bucket-prefix') ?? '';
  const regions = (argValue(args, '--regions') ?? '').split(',').filter(Boolean);
  publish({ bucketPrefix, regions }, (line) => process.stdout.write(`${line}\n`)).then(
    (n) => process.stdout.write(`published ${n} objects (veeam-org-sync ${VERSION})\n`),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
