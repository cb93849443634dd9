// esbuild plugins for serverless-esbuild (custom.esbuild.plugins). Plain CommonJS: serverless-esbuild require()s it.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
/* global process */
const { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/**
 * Source maps are for people, not for the hot path: esbuild writes them beside each bundle and chunk ("external", so
 * no file carries a sourceMappingURL) and this moves them out of the build folder before serverless-esbuild zips it,
 * to .serverless/sourcemaps/ (same relative paths) next to the zips; osls moves that folder to `--package` when one
 * is given. The zips stay small and Lambda never loads a map.
 */
function sourcemapsOutsideTheZip(serviceDir) {
  return {
    name: 'sourcemaps-outside-the-zip',
    setup(build) {
      build.onEnd(() => {
        const outdir = build.initialOptions.outdir;
        if (!outdir) return;
        const target = path.join(serviceDir, '.serverless', 'sourcemaps');
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
 * lib/aws/lambda-credentials.ts instead of the whole chain (CONTRIBUTING.md "Bundles").
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
      const folder = `${path.basename(entry, path.extname(entry))}.chunks`;
      build.initialOptions.chunkNames = `${folder}/[name]-[hash]`;
      // Chunk names carry a content hash and the build folder outlives a build (invoke local): start it empty, or the
      // zip would take last build's chunks too.
      build.onStart(() => {
        const outdir = build.initialOptions.outdir;
        if (outdir) rmSync(path.join(outdir, folder), { recursive: true, force: true });
      });
    },
  };
}

/**
 * The SDK's user-agent code imports the browser parser `bowser` on demand, for browsers only; tree-shaking drops the
 * importer but not the chunk (34 KB in every zip). On Node it is never loaded, so it stays out as an external.
 */
function noBrowserParser() {
  return {
    name: 'no-browser-parser',
    setup(build) {
      build.onResolve({ filter: /^bowser$/ }, () => ({ path: 'bowser', external: true }));
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
  return [
    lambdaCredentials(serviceDir),
    noBrowserParser(),
    chunksPerFunction(),
    esModulePackageJson(),
    sourcemapsOutsideTheZip(serviceDir),
  ];
};
