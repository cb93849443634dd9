// esbuild plugins for serverless-esbuild (custom.esbuild.plugins). Plain CommonJS: serverless-esbuild require()s it.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
/* global process */
const { mkdirSync, readdirSync, renameSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/**
 * Source maps are for people, not for the hot path: esbuild writes them beside each bundle and chunk ("external", so
 * no file carries a sourceMappingURL) and this moves them out of the build folder before serverless-esbuild zips it,
 * to sourcemaps/ (same relative paths) in the package folder, next to the zips (.serverless/ unless `--package`
 * says otherwise, so packages made side by side keep apart). The zips stay small and Lambda never loads a map.
 */
function sourcemapsOutsideTheZip(packageDir) {
  return {
    name: 'sourcemaps-outside-the-zip',
    setup(build) {
      build.onEnd(() => {
        const outdir = build.initialOptions.outdir;
        if (!outdir) return;
        const target = path.join(packageDir, 'sourcemaps');
        for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile() || !entry.name.endsWith('.map')) continue;
          const from = path.join(entry.parentPath ?? entry.path, entry.name);
          const to = path.join(target, path.relative(outdir, from));
          mkdirSync(path.dirname(to), { recursive: true });
          renameSync(from, to);
        }
      });
    },
  };
}

/**
 * Inside Lambda the SDK's default credential chain always ends at its first link, the environment: the bundles take
 * lib/aws/lambda-credentials.ts instead of the whole chain (README "Bundles").
 */
function lambdaCredentials(serviceDir) {
  return {
    name: 'lambda-credentials',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
        path: path.join(serviceDir, 'lib', 'aws', 'lambda-credentials.ts'),
      }));
    },
  };
}

/**
 * Code a function loads on first use (a dynamic import) is split into chunks. Every function is built on its own
 * into the same folder, so each keeps its chunks in a folder named after it, functions/<name>.chunks/: the packager
 * puts "functions/<name>.*" in that function's zip only.
 */
function chunksPerFunction() {
  return {
    name: 'chunks-per-function',
    setup(build) {
      const [entry] = build.initialOptions.entryPoints ?? [];
      if (typeof entry !== 'string') return;
      build.initialOptions.chunkNames = `${path.basename(entry, path.extname(entry))}.chunks/[name]-[hash]`;
    },
  };
}

/**
 * The bundles are ES modules in .js files: a package.json of "type": "module" beside them says so to Node, to the
 * Lambda runtime and to `serverless invoke local` (which cannot load .mjs). The packager puts it in every zip.
 */
function esModulePackageJson() {
  return {
    name: 'es-module-package-json',
    setup(build) {
      build.onEnd(() => {
        const outdir = build.initialOptions.outdir;
        if (outdir && build.initialOptions.format === 'esm')
          writeFileSync(path.join(outdir, 'package.json'), '{ "type": "module" }\n');
      });
    },
  };
}

module.exports = (serverless) => {
  const serviceDir = serverless.serviceDir ?? process.cwd();
  const packageDir = path.resolve(
    serviceDir,
    serverless.processedInput?.options?.package ?? serverless.service?.package?.path ?? '.serverless',
  );
  return [
    lambdaCredentials(serviceDir),
    chunksPerFunction(),
    esModulePackageJson(),
    sourcemapsOutsideTheZip(packageDir),
  ];
};
