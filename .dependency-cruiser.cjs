/**
 * The layering of the project, as rules that fail the build (`npm run arch:check`, run by .ci/run):
 *   entry points (functions/, bin/, sandbox/, bench/, scripts/)
 *     -> use cases (lib/account: one account; lib/fleet: the whole organization)
 *       -> the port bundle (lib/deps.ts) and adapters with their ports (lib/aws, intake, lifecycle, member, organizations, queue, registration,
 *          roles, secrets, veeam)
 *         -> cross-cutting root files (lib/*.ts) and lib/util
 * lib/wiring.ts builds the production adapters; only entry points use it. sim/ is test infrastructure.
 */
const ADAPTERS = '^lib/(aws|intake|lifecycle|member|organizations|queue|registration|roles|secrets|state|veeam)/';
/** Every use-case package; a new one is added here and every rule about use cases covers it. */
const USE_CASES = '^lib/(account|fleet)/';
const ENTRY_POINTS = '^(functions|bin|sandbox|bench|scripts)/';
const AWS_SDK = '(^|/)node_modules/@(aws-sdk|smithy)/';
/**
 * Domain code that happens to live beside an adapter: pure decisions over values and ports, no I/O, no SDK. Use cases
 * and adapters may import it.
 *   lib/registration/      what an appliance entry means to us (names, marker, find/ensure/unregister over VeeamApi)
 *   lib/roles/ except the IAM store (iam-role-store, read, apply): blueprints, diff, trust, tags, policies, conflicts
 *   lib/organizations/scope.ts   which accounts are in scope, from the config and the walk's data
 *   lib/state/ except dynamodb-store.ts: updateState (read, decide, compare-and-write over the port) and its error
 *   lib/member/access-role.ts    which roles to assume and the error for a missing one (no STS)
 *   lib/veeam/session.ts         how a rescan session ended, from the vendor's enums
 *   lib/lifecycle/(detail-types|schemas).ts   the published contract of the lifecycle events
 *   lib/budget/, lib/coverage/   organization-wide decisions over the state port and the appliance's data
 *   any port file (lib/<adapter>/types.ts): interfaces and the constants of the contract
 *   any package's errors.ts: the errors its port raises, which callers tell apart (instanceof); they import only the
 *     shared base in lib/errors.ts (rule errors-extend-only-the-base), so importing one loads nothing else
 */
const DOMAIN = [
  '^lib/registration/',
  '^lib/roles/(?!(iam-role-store|read|apply)\\.ts$)',
  '^lib/organizations/scope\\.ts$',
  '^lib/state/(?!dynamodb-store\\.ts$)',
  '^lib/member/access-role\\.ts$',
  '^lib/veeam/session\\.ts$',
  '^lib/lifecycle/(detail-types|schemas)\\.ts$',
  '^lib/(budget|coverage)/',
  '^lib/[^/]+/types\\.ts$',
  '^lib/[^/]+/errors\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'A cycle means two modules are one concept in two files, or a layer is missing.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-stays-inside',
      severity: 'error',
      comment: 'Product code never depends on entry points, the simulators or the tests.',
      from: { path: '^lib/' },
      to: { path: '^(sim|test|bin|functions|sandbox|bench|scripts)/' },
    },
    {
      name: 'handlers-ship-no-simulator',
      severity: 'error',
      comment: 'What is bundled into a Lambda must not reach the simulators, the tests or the CLI.',
      from: { path: '^functions/' },
      to: { path: '^(sim|test|bin|sandbox|bench|scripts)/' },
    },
    {
      name: 'cli-does-not-use-the-lambda-facade',
      severity: 'error',
      comment: 'functions/service.ts is the Lambda facade; the CLI wires the use cases itself.',
      from: { path: '^(bin|sandbox|bench|scripts)/' },
      to: { path: '^functions/service\\.ts$' },
    },
    {
      name: 'product-uses-no-dev-dependency',
      severity: 'error',
      comment: 'A devDependency is not installed where the product runs; type-only imports vanish at build time.',
      from: { path: '^(lib|functions)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'root-is-cross-cutting',
      severity: 'error',
      comment: 'Root files (config, errors, log, ...) sit below every folder; deps.ts and wiring.ts compose.',
      from: { path: '^lib/[^/]+\\.ts$', pathNot: '^lib/(deps|wiring)\\.ts$' },
      to: { path: '^lib/[^/]+/', pathNot: '^lib/util/' },
    },
    {
      name: 'util-is-leaf',
      severity: 'error',
      comment: 'lib/util holds generic helpers that know nothing of the product.',
      from: { path: '^lib/util/' },
      to: { path: '^lib/', pathNot: '^lib/util/' },
    },
    {
      name: 'adapters-below-use-cases',
      severity: 'error',
      comment: 'Adapters implement ports; they never call the use cases or the composition root.',
      from: { path: ADAPTERS },
      to: { path: [USE_CASES, '^lib/(deps|wiring)\\.ts$'] },
    },
    {
      name: 'port-bundle-is-types-only',
      severity: 'error',
      comment:
        'lib/deps.ts names ports and nothing else: every import is `import type`, so importing Deps never loads an adapter or a use case.',
      from: { path: '^lib/deps\\.ts$' },
      to: { dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'one-account-knows-no-organization',
      severity: 'error',
      comment: 'lib/account converges one account; the organization-wide runs call it, never the reverse.',
      from: { path: '^lib/account/' },
      to: { path: '^lib/fleet/' },
    },
    {
      name: 'use-cases-take-ports',
      severity: 'error',
      comment:
        'Use cases receive Deps; only entry points build the production adapters (lib/wiring.ts, lib/aws client factories).',
      from: { path: USE_CASES },
      to: { path: ['^lib/wiring\\.ts$', '^lib/aws/'] },
    },
    {
      name: 'use-cases-know-no-sdk',
      severity: 'error',
      comment:
        'Use cases speak to AWS through ports, so the fakes in sim/ stand in for all of it; even an SDK type couples them to one client version.',
      from: { path: USE_CASES },
      to: { path: AWS_SDK },
    },
    {
      name: 'use-cases-import-no-adapter',
      severity: 'error',
      comment:
        'A use case calls an adapter only through its port in Deps: it imports port types (type-only) and domain code, never an implementation, or the fakes could not replace it and a bundle could not load it lazily.',
      from: { path: USE_CASES },
      to: { path: ADAPTERS, pathNot: DOMAIN, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'adapters-are-independent',
      severity: 'error',
      comment:
        'One adapter does not call another: each wraps one outside system, and use cases compose them through Deps. Allowed: lib/aws (the one place SDK clients are made), domain code, type-only imports of ports.',
      from: { path: ADAPTERS, pathNot: '^lib/member/' },
      to: { path: ADAPTERS, pathNot: ['^lib/$1/', '^lib/aws/', ...DOMAIN], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'member-access-opens-only-the-role-store',
      severity: 'error',
      comment:
        "Member access may also build lib/roles' IAM role store: it hands out the store for the member session it opened (IAM seen through that session). Nothing else.",
      from: { path: '^lib/member/' },
      to: {
        path: ADAPTERS,
        pathNot: ['^lib/member/', '^lib/aws/', '^lib/roles/iam-role-store\\.ts$', ...DOMAIN],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'ports-hold-no-implementation',
      severity: 'error',
      comment: 'A port (lib/<adapter>/types.ts) is the contract: it names no SDK type and loads no implementation.',
      from: { path: '^lib/[^/]+/types\\.ts$' },
      to: { path: [AWS_SDK, '^lib/aws/'] },
    },
    {
      name: 'errors-extend-only-the-base',
      severity: 'error',
      comment:
        "A package's errors.ts declares error classes over the shared base (lib/errors.ts, where describeError decides retry vs DLQ) and imports nothing else, so use cases and other adapters may tell its errors apart without loading the adapter.",
      from: { path: '^lib/[^/]+/errors\\.ts$' },
      to: { pathNot: '^lib/errors\\.ts$' },
    },
    {
      name: 'wiring-only-from-entry-points',
      severity: 'error',
      from: { pathNot: [ENTRY_POINTS, '^(sim|test)/', '^lib/wiring\\.ts$'] },
      to: { path: '^lib/wiring\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    combinedDependencies: false,
  },
};
