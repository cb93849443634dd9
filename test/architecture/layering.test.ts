import { execFile } from 'node:child_process';
import path from 'node:path';

/**
 * The architecture rules in .dependency-cruiser.cjs, run against small trees that break one rule each, so a rule
 * that silently stopped matching (a renamed folder, a typo in a regex) fails here rather than letting imports rot.
 * All trees are cruised by one process (cruise-trees.mjs) through dependency-cruiser's API.
 */
const repo = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the rules themselves, to check each has a probe
const config = require('../../.dependency-cruiser.cjs') as { forbidden: { name: string }[] };

type Tree = Record<string, string>;

const base: Tree = {
  'lib/errors.ts': 'export const e = 1;\n',
  'lib/deps.ts':
    "import type { Port } from './veeam/types';\nimport type { Queue } from './queue/types';\nexport type Deps = { veeam: Port; queue: Queue };\n",
  'lib/veeam/types.ts': 'export type Port = { ok: boolean };\n',
  'lib/veeam/client.ts':
    "import { sqs } from '../aws/sqs-client';\nimport type { Port } from './types';\nexport const client = (): Port => ({ ok: !!sqs });\n",
  'lib/aws/sqs-client.ts':
    "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const sqs = () => new SQSClient({});\n",
  'lib/queue/types.ts': "export type Queue = { send(): void };\nexport const FIFO = 'fifo';\n",
  'lib/queue/sqs-queue.ts':
    "import { sqs } from '../aws/sqs-client';\nimport type { Queue } from './types';\nexport const queue = (): Queue => ({ send: () => sqs() && undefined });\n",
  'lib/veeam/errors.ts': "import { e } from '../errors';\nexport class VeeamApiError extends Error {\n  n = e;\n}\n",
  'lib/registration/marker.ts':
    "import type { Port } from '../veeam/types';\nimport { VeeamApiError } from '../veeam/errors';\nexport const entryName = (p: Port) => String(p.ok) + VeeamApiError.name;\n",
  'lib/roles/diff.ts': 'export const diff = () => [];\n',
  'lib/roles/iam-role-store.ts': "import { diff } from './diff';\nexport class RoleStore { d = diff(); }\n",
  'lib/member/member-access.ts':
    "import { RoleStore } from '../roles/iam-role-store';\nexport const access = () => new RoleStore();\n",
  'lib/account/converge-account.ts':
    "import type { Deps } from '../deps';\nimport { entryName } from '../registration/marker';\nimport { diff } from '../roles/diff';\nimport { FIFO } from '../queue/types';\nimport { VeeamApiError } from '../veeam/errors';\nexport const c = (d: Deps) => [entryName(d.veeam), diff(), FIFO, VeeamApiError];\n",
  'lib/fleet/reconcile.ts': "import { c } from '../account/converge-account';\nexport const r = c;\n",
  'lib/wiring.ts':
    "import type { Deps } from './deps';\nimport { client } from './veeam/client';\nimport { queue } from './queue/sqs-queue';\nexport const build = (): Deps => ({ veeam: client(), queue: queue() });\n",
  'functions/worker.ts':
    "import { build } from '../lib/wiring';\nimport { r } from '../lib/fleet/reconcile';\nexport const h = () => r(build());\n",
  'functions/service.ts': 'export const s = 1;\n',
  'bin/cli.ts': "import { build } from '../lib/wiring';\nexport const main = build;\n",
};

const probes: [what: string, files: Tree, rule: string][] = [
  [
    'a root file importing a use case',
    { 'lib/errors.ts': "import { c } from './account/converge-account';\nexport const e = c;\n" },
    'root-is-cross-cutting',
  ],
  [
    'an adapter importing a use case',
    { 'lib/veeam/types.ts': "import { r } from '../fleet/reconcile';\nexport type Port = typeof r;\n" },
    'adapters-below-use-cases',
  ],
  [
    'one account reaching the organization',
    { 'lib/account/converge-account.ts': "import { r } from '../fleet/reconcile';\nexport const c = r;\n" },
    'one-account-knows-no-organization',
  ],
  [
    'a use case building production adapters',
    { 'lib/fleet/reconcile.ts': "import { build } from '../wiring';\nexport const r = build;\n" },
    'use-cases-take-ports',
  ],
  [
    'a use case making its own SDK client',
    { 'lib/fleet/reconcile.ts': "import { sqs } from '../aws/sqs-client';\nexport const r = sqs;\n" },
    'use-cases-take-ports',
  ],
  [
    'a use case importing the AWS SDK',
    { 'lib/account/send.ts': "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const s = SQSClient;\n" },
    'use-cases-know-no-sdk',
  ],
  [
    'a use case importing an adapter implementation',
    { 'lib/fleet/reconcile.ts': "import { queue } from '../queue/sqs-queue';\nexport const r = queue;\n" },
    'use-cases-import-no-adapter',
  ],
  [
    'the port bundle importing a value',
    {
      'lib/deps.ts':
        "import { FIFO } from './queue/types';\nimport type { Port } from './veeam/types';\nexport type Deps = { veeam: Port; queue: typeof FIFO };\n",
    },
    'port-bundle-is-types-only',
  ],
  [
    'one adapter importing another',
    { 'lib/veeam/client.ts': "import { queue } from '../queue/sqs-queue';\nexport const client = queue;\n" },
    'adapters-are-independent',
  ],
  [
    'member access importing an adapter other than the role store',
    { 'lib/member/member-access.ts': "import { queue } from '../queue/sqs-queue';\nexport const access = queue;\n" },
    'member-access-opens-only-the-role-store',
  ],
  [
    'a port naming an SDK type',
    {
      'lib/queue/types.ts':
        "import type { SQSClient } from '@aws-sdk/client-sqs';\nexport type Queue = { send(c: SQSClient): void };\nexport const FIFO = 'fifo';\n",
    },
    'ports-hold-no-implementation',
  ],
  [
    "a package's errors importing more than the shared base",
    {
      'lib/veeam/errors.ts':
        "import { e } from '../errors';\nimport { client } from './client';\nexport class VeeamApiError extends Error {\n  n = [e, client];\n}\n",
    },
    'errors-extend-only-the-base',
  ],
  [
    'an adapter building the production wiring',
    { 'lib/veeam/client.ts': "import { build } from '../wiring';\nexport const client = build;\n" },
    'wiring-only-from-entry-points',
  ],
  [
    'the CLI using the Lambda facade',
    { 'bin/cli.ts': "import { s } from '../functions/service';\nexport const main = s;\n" },
    'cli-does-not-use-the-lambda-facade',
  ],
  [
    'product code importing the simulator',
    {
      'lib/veeam/types.ts': "import { sim } from '../../sim/veeam';\nexport type Port = typeof sim;\n",
      'sim/veeam.ts': 'export const sim = 1;\n',
    },
    'lib-stays-inside',
  ],
  [
    'a handler importing a test helper',
    {
      'functions/worker.ts': "import { t } from '../test/support/x';\nexport const h = t;\n",
      'test/support/x.ts': 'export const t = 1;\n',
    },
    'handlers-ship-no-simulator',
  ],
  [
    'product code importing a devDependency',
    { 'lib/errors.ts': "import { parse } from 'yaml';\nexport const e = parse;\n" },
    'product-uses-no-dev-dependency',
  ],
  [
    'a cycle',
    {
      'lib/veeam/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'lib/veeam/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    },
    'no-cycle',
  ],
  [
    'a util helper importing product code',
    { 'lib/util/sleep.ts': "import { e } from '../errors';\nexport const s = e;\n" },
    'util-is-leaf',
  ],
];

/** The rules each tree violates, all trees in one depcruise process. */
function cruiseAll(trees: Tree[]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, 'cruise-trees.mjs')],
      { cwd: repo, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
    child.stdin?.end(JSON.stringify({ repo, trees }));
  });
}

let results: string[][] = [];
beforeAll(async () => {
  results = await cruiseAll([base, ...probes.map(([, files]) => ({ ...base, ...files }))]);
}, 120_000);

describe('architecture rules', () => {
  it('accept the layering the project uses (ports, package errors, domain code, lib/aws, member -> role store)', () => {
    expect(results[0]).toEqual([]);
  });

  it.each(probes.map((probe, i) => [...probe, i + 1] as const))('fail on %s', (_what, _files, rule, i) => {
    expect(results[i]).toContain(rule);
  });

  it('has a probe for every rule', () => {
    const probed = new Set(probes.map(([, , rule]) => rule));
    expect(config.forbidden.map((r) => r.name).filter((name) => !probed.has(name))).toEqual([]);
  });
});
