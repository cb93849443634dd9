import { loadConfig, type Config } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { REGION_SHAPE } from '../causes';
import type { CommandContext, CommandResult } from '../context';
import { applianceChecks, secretCheck } from '../doctor/appliance';
import { fail, ok, skip, type CheckResult } from '../doctor/check';
import { layerCheck } from '../doctor/layer';
import { identityCheck, organizationChecks } from '../doctor/organization';
import { principalCheck } from '../doctor/principal';
import { renderChecks, summarizeChecks } from '../doctor/render';
import { environmentSource, readSettings, type SettingsSource } from '../doctor/settings';

/**
 * The preflight: every check runs (one failure does not hide the next), each says what it found and, when it fails,
 * the setting or command that fixes it. Exit 0 when nothing failed, 1 otherwise; usage errors are 2 as everywhere.
 */
export async function doctorCommand(ctx: CommandContext, sources?: SettingsSource[]): Promise<CommandResult> {
  const { values: settings, from } = readSettings(sources ?? [environmentSource(ctx.env)]);
  const results: CheckResult[] = [];

  let cfg: Config | undefined;
  try {
    cfg = loadConfig(settings);
    results.push(ok('configuration', 'Configuration', `valid (read from the ${from})`));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    results.push(
      fail(
        'configuration',
        'Configuration',
        `${err.problems.length} problem(s) in the ${from}`,
        err.problems.join(' '),
      ),
    );
  }
  const region = settings.AWS_REGION?.trim() || settings.AWS_DEFAULT_REGION?.trim();
  if (!region)
    results.push(
      fail(
        'region',
        'Deployment region',
        'AWS_REGION is not set',
        'export AWS_REGION=<the region you deploy to>, e.g. eu-west-1',
      ),
    );
  else if (!REGION_SHAPE.test(region))
    results.push(
      fail(
        'region',
        'Deployment region',
        `"${region}" is not a region name`,
        'export AWS_REGION=<a region such as eu-west-1>',
      ),
    );
  else results.push(ok('region', 'Deployment region', region));

  const { result: identityResult, identity } = await identityCheck(ctx.env);
  results.push(identityResult);
  const org = await organizationChecks(identity, ctx.env);
  results.push(...org.results);
  results.push(
    region && REGION_SHAPE.test(region)
      ? await layerCheck(settings, region, ctx.env)
      : skip('extension-layer', 'Secrets extension layer', 'needs a valid AWS_REGION'),
  );

  if (cfg) {
    const secret = await secretCheck(cfg, ctx.env);
    results.push(secret.result, ...(await applianceChecks(cfg, secret.credentials, ctx.env)));
    results.push(await principalCheck(cfg, identity, ctx.env));
  } else {
    const why = 'needs a valid configuration (see above)';
    for (const [id, title] of [
      ['secret', 'Veeam credentials secret'],
      ['appliance-tls', 'Appliance reachable, certificate trusted'],
      ['appliance-api-version', 'Appliance REST API version'],
      ['appliance-login', 'Appliance login'],
      ['principal', 'Appliance principal (VEEAM_PRINCIPAL_ARN)'],
    ] as const)
      results.push(skip(id, title, why));
  }

  const summary = summarizeChecks(results);
  const where = identity
    ? `account ${identity.accountId}${org.facts.managementAccountId === identity.accountId ? ' (the management account)' : org.facts.managementAccountId ? ` (management account: ${org.facts.managementAccountId})` : ''}`
    : 'account unknown';
  const header = `veeam-org-sync doctor: ${where}, region ${region ?? 'unset'}`;
  return {
    exitCode: summary.failed ? 1 : 0,
    data: {
      ...(identity ? { account: identity.accountId } : {}),
      ...(org.facts.managementAccountId ? { managementAccount: org.facts.managementAccountId } : {}),
      ...(region ? { region } : {}),
      summary,
      checks: results,
    },
    text: renderChecks(header, results),
  };
}
