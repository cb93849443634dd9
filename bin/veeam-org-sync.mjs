#!/usr/bin/env node
// The CLI is TypeScript run through tsx (a dependency of this repository): operators need no build step.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
// The AWS SDK warns on Node 20 that its releases after early 2027 need Node 22 (nine lines on stderr of every AWS
// command); the functions run on Node 22 in Lambda. This is the SDK's documented opt-out for that one notice only
// (aws/aws-sdk-js-v3#7983); an operator who sets the variable to anything else gets the notice back.
const env = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
};
const result = spawnSync(process.execPath, [tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
