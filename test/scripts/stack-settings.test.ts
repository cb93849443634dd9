import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  deployProblems,
  readStackDefinition,
  resolveSettings,
  ROOT,
  SettingsError,
  toStackParameters,
} from '../../scripts/stack-settings';

const service = readStackDefinition('service');
const management = readStackDefinition('management');

/** A complete saved configuration of the service: what an operator writes once into config/prod.yml. */
const PROD = {
  region: 'eu-central-1',
  orgId: 'o-abc123def4',
  orgRootId: 'r-ab12',
  veeamUrl: 'https://10.0.1.10:11005',
  veeamSecretArn: 'arn:aws:secretsmanager:eu-central-1:222222222222:secret:veeam/admin-XyZ123',
  veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
  subnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
  securityGroupIds: 'sg-0123abcd',
  workerMaximumConcurrency: 10,
  includeManagementAccount: false,
};

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof SettingsError) return err.problems;
    throw err;
  }
  return [];
}

describe('saved configuration (config/<stage>.yml) as stack parameters', () => {
  it('passes every parameter of the stack: saved values, the defaults for the rest, --param over both', () => {
    const { values, sources } = resolveSettings(service, PROD, { logLevel: 'DEBUG' }, 'prod');
    expect(Object.keys(values).sort()).toEqual(Object.keys(service.Parameters).sort());
    expect(values).toMatchObject({
      OrgId: 'o-abc123def4',
      SubnetIds: 'subnet-0a1b2c3d,subnet-4e5f6a7b',
      WorkerMaximumConcurrency: '10',
      IncludeManagementAccount: 'false',
      LogLevel: 'DEBUG',
      OffboardMode: 'retain',
    });
    expect([sources.OrgId, sources.LogLevel, sources.OffboardMode]).toEqual(['config', 'param', 'default']);
    expect(toStackParameters(values)).toContainEqual({ ParameterKey: 'VeeamUrl', ParameterValue: PROD.veeamUrl });
    expect(deployProblems(service, values)).toEqual([]);
  });

  it('refuses a setting it does not know (a typo is never silently dropped), naming it', () => {
    expect(problemsOf(() => resolveSettings(service, { ...PROD, subnetId: 'subnet-0a1b2c3d' }, {}, 'prod'))).toEqual([
      expect.stringMatching(/^config\/prod\.yml: unknown setting subnetId\. Known: .*subnetIds/),
    ]);
    expect(problemsOf(() => resolveSettings(service, PROD, { vpc: 'x' }, 'prod'))).toEqual([
      '--param vpc: unknown setting for veeam-org-sync.',
    ]);
  });

  it('checks each value against its parameter, as CloudFormation will, naming the setting and the shape', () => {
    expect(
      problemsOf(() =>
        resolveSettings(
          service,
          { ...PROD, veeamUrl: 'http://10.0.1.10', offboardMode: 'purge', syncConcurrency: 100 },
          {},
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /^veeamUrl "http:\/\/10\.0\.1\.10" does not match .* VeeamUrl must be the appliance REST base/,
      ),
      'offboardMode "purge" must be one of retain, unregister, delete.',
      'syncConcurrency 100 is above 64.',
    ]);
  });

  it('names every required value left out, before any AWS call (the template Rules, evaluated here)', () => {
    const { veeamUrl: _url, veeamPrincipalArn: _principal, orgRootId: _root, ...partial } = PROD;
    const { values } = resolveSettings(service, partial, {}, 'prod');
    expect(deployProblems(service, values)).toEqual([
      expect.stringMatching(/^VeeamUrl is required\. Set veeamUrl/),
      expect.stringMatching(/^VeeamPrincipalArn is required\. Set veeamPrincipalArn/),
      expect.stringMatching(/^OrgRootId is still the placeholder r-example while ScopeOuIds is empty/),
    ]);
    // Scoped to OUs, the root is not needed.
    const { orgRootId: _unused, ...withoutRoot } = PROD;
    const scoped = resolveSettings(service, { ...withoutRoot, scopeOuIds: 'ou-ab12-11111111' }, {});
    expect(deployProblems(service, scoped.values)).toEqual([]);
  });

  it('refuses what the functions would refuse at start (lib/config.ts), in the names of the saved settings', () => {
    const { values } = resolveSettings(
      service,
      { ...PROD, veeamUrl: 'https://veeam.example.com', memberRoleNames: 'VeeamBackupRole' },
      {},
    );
    expect(deployProblems(service, values)).toEqual([
      expect.stringMatching(/^veeamUrl \(VEEAM_URL\) "https:\/\/veeam\.example\.com" has no port/),
      expect.stringMatching(/^memberRoleNames \(MEMBER_ROLE_NAMES\) must not contain the roles this service creates/),
    ]);
  });

  it('configures the management stack from its own section, its list parameters included', () => {
    const saved = {
      ...PROD,
      management: {
        serviceAccountId: '222233334444',
        trustedRoleArns: ['arn:aws:iam::222233334444:role/a', 'arn:aws:iam::222233334444:role/b'],
        targetBusArn: 'arn:aws:events:eu-central-1:222233334444:event-bus/default',
        createDelegationPolicy: false,
        veeamPrincipalArn: 'arn:aws:iam::333344445555:role/VeeamImpersonation',
        scopeOuIds: 'ou-ab12-11111111',
      },
    };
    const { values } = resolveSettings(management, saved, {}, 'prod');
    expect(values.TrustedRoleArns).toBe('arn:aws:iam::222233334444:role/a,arn:aws:iam::222233334444:role/b');
    expect(values.CreateDelegationPolicy).toBe('false');
    expect(deployProblems(management, values)).toEqual([]);
    const { values: placeholders } = resolveSettings(management, { management: {} }, {}, 'prod');
    // The service account, its roles, its bus and readers, the appliance's role, and the RCP's target.
    expect(deployProblems(management, placeholders)).toHaveLength(6);
  });

  it('the documented example is a valid configuration of every stack', () => {
    const example = parse(readFileSync(join(ROOT, 'config', 'example.yml'), 'utf8')) as Record<string, unknown>;
    for (const def of [service, management, readStackDefinition('forwarder')]) {
      const { values } = resolveSettings(def, example, {}, 'example');
      expect([def.kind, deployProblems(def, values)]).toEqual([def.kind, []]);
    }
  });
});
