import { DEFAULT_SIM_USER } from '../sim/veeam';
import { runStory } from './story';

/** `npm run sandbox`: the whole product locally, end to end; exits non-zero if the end state is wrong. */
async function main() {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The functions run on Node 22 in Lambda; the SDK's notice about a local Node 20 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await runStory();
  const leaked = [DEFAULT_SIM_USER.password, ...result.secrets].filter((s) => result.logs.includes(s));
  if (leaked.length) result.problems.push(`${leaked.length} secret value(s) appeared in the logs`);
  console.log(
    `\n${result.problems.length ? `FAILED (${result.problems.length}):\n- ${result.problems.join('\n- ')}` : 'Sandbox story passed'} in ${result.seconds.toFixed(1)} s`,
  );
  process.exit(result.problems.length ? 1 : 0);
}

// --serve: keep the simulated AWS and the appliance up for the CLI of another terminal (sandbox/serve.ts).
if (process.argv.includes('--serve')) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void import('./serve').then((m) => m.serveUntilSignalled());
} else void main();
