#!/usr/bin/env node
// The CLI is TypeScript run through tsx (a dev dependency of this repository): no build step for operators.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./cli.ts');
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.exit(await runCli(process.argv.slice(2)));
