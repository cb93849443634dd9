// esbuild plugins for serverless-esbuild (custom.esbuild.plugins). Plain CommonJS: serverless-esbuild require()s it.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
/* global process */
const { mkdirSync, readdirSync, renameSync } = require('node:fs');
const path = require('node:path');

/**
 * Source maps are for people, not for the hot path: esbuild writes them beside each bundle ("external", so the bundle
 * carries no sourceMappingURL) and this moves them out of the build folder before serverless-esbuild zips it, to
 * .serverless/sourcemaps/<function>.js.map next to the zips. The zips stay small and Lambda never loads a map.
 */
function sourcemapsOutsideTheZip(serviceDir) {
  return {
    name: 'sourcemaps-outside-the-zip',
    setup(build) {
      build.onEnd(() => {
        const outdir = build.initialOptions.outdir;
        if (!outdir) return;
        const target = path.join(serviceDir, '.serverless', 'sourcemaps');
        mkdirSync(target, { recursive: true });
        for (const file of readdirSync(outdir)) {
          if (file.endsWith('.map')) renameSync(path.join(outdir, file), path.join(target, file));
        }
      });
    },
  };
}

module.exports = (serverless) => [sourcemapsOutsideTheZip(serverless.serviceDir ?? process.cwd())];
