/**
 * The layering of the project, as rules that fail the build (`npm run arch:check`, run by .ci/run):
 *   entry points (functions/, bin/, sandbox/, bench/, scripts/)
 *     -> use cases (lib/account: one account; lib/fleet: the whole organization)
 *       -> the port bundle (lib/deps.ts) and adapters with their ports (lib/aws, intake, lifecycle, member, organizations, queue, registration,
 *          roles, secrets, veeam)
 *         -> cross-cutting root files (lib/*.ts) and lib/util
 * lib/wiring.ts builds the production adapters; only entry points use it. sim/ is test infrastructure.
 */
const ADAPTERS = '^lib/(aws|intake|lifecycle|member|organizations|queue|registration|roles|secrets|veeam)/';
const USE_CASES = '^lib/(account|fleet)/';
const ENTRY_POINTS = '^(functions|bin|sandbox|bench|scripts)/';

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
      comment: 'lib/deps.ts names ports; it does not reach use cases or production adapters.',
      from: { path: '^lib/deps\\.ts$' },
      to: { path: [USE_CASES, '^lib/wiring\\.ts$'] },
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
      comment: 'Use cases receive Deps; only entry points build the production adapters.',
      from: { path: USE_CASES },
      to: { path: '^lib/wiring\\.ts$' },
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
