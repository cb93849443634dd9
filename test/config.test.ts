import { loadConfig, compareApiVersions } from '../lib/config';
import { ConfigError } from '../lib/errors';

const valid = {
  VEEAM_URL: 'https://10.0.1.10:11005',
  VEEAM_SECRET_ID: 'veeam/admin',
  VEEAM_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/VeeamImpersonation',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration contract', () => {
  it.each([
    [
      'https://10.0.1.10',
      /has no port; the appliance REST API listens on 11005: use https:\/\/10\.0\.1\.10:11005, the REST base without \/api\/v1/,
    ],
    [
      'https://10.0.1.10:11005/api/v1',
      /has a path or query \("\/api\/v1"\): use https:\/\/10\.0\.1\.10:11005, the REST base/,
    ],
    ['https://veeam.example.com/api/v1/', /no port.*use https:\/\/veeam\.example\.com:11005/],
  ])('refuses VEEAM_URL %s with the fix', (url, why) => {
    expect(problemsOf({ ...valid, VEEAM_URL: url }).join('\n')).toMatch(why);
  });

  it('accepts the REST base with its port, with or without a trailing slash, and an explicit :443', () => {
    for (const url of ['https://10.0.1.10:11005', 'https://10.0.1.10:11005/', 'https://veeam.example.com:443'])
      expect(problemsOf({ ...valid, VEEAM_URL: url })).toEqual([]);
  });

  it('defaults the organization-scale safety settings to the safe side', () => {
    const c = loadConfig(valid);
    expect(c.installationId).toBe('veeam-org-sync');
    expect(c.offboardMaxPerRun).toBe(5);
    expect(c.includeManagementAccount).toBe(false);
    expect(c.memberAccess).toBe('dedicated');
    expect(c.accessRoleName).toBe('VeeamOrgSyncAccess');
    expect(c.eventBusName).toBe('default');
  });

  it('names each bad safety setting and what it accepts', () => {
    const problems = problemsOf({
      ...valid,
      INSTALLATION_ID: 'team a/prod',
      OFFBOARD_MAX_PER_RUN: '-1',
      INCLUDE_MANAGEMENT_ACCOUNT: 'yes',
      MEMBER_ACCESS: 'admin',
      ACCESS_ROLE_NAME: 'bad role',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^INSTALLATION_ID "team a\/prod" must be 1 to 32 letters, digits or "-"/),
      expect.stringMatching(/^OFFBOARD_MAX_PER_RUN must be a whole number from 0/),
      expect.stringMatching(/^INCLUDE_MANAGEMENT_ACCOUNT must be true or false/),
      expect.stringMatching(/^MEMBER_ACCESS "admin" must be dedicated or existing/),
      expect.stringMatching(/^ACCESS_ROLE_NAME "bad role" is not a valid IAM role name/),
    ]);
  });

  it('reserves "true" (the managed-tag value written before installation ids) as INSTALLATION_ID', () => {
    expect(problemsOf({ ...valid, INSTALLATION_ID: 'true' })).toEqual([
      expect.stringMatching(/^INSTALLATION_ID "true" is reserved/),
    ]);
  });

  it('refuses an access role named like a role it manages', () => {
    expect(problemsOf({ ...valid, ACCESS_ROLE_NAME: 'VeeamBackupRole' })).toEqual([
      expect.stringMatching(/^ACCESS_ROLE_NAME must differ from BACKUP_ROLE_NAME and WORKER_ROLE_NAME/),
    ]);
  });

  it('applies the documented defaults', () => {
    const c = loadConfig(valid);
    // The current appliance generation (version 11) speaks 1.9-rev0; older revisions follow as fallbacks.
    expect(c.veeamApiVersions.slice(0, 2)).toEqual(['1.9-rev0', '1.8-rev0']);
    expect(c.veeamApiVersions).toContain('1.3-rev0');
    expect(c.memberRoleNames).toEqual(['OrganizationAccountAccessRole', 'AWSControlTowerExecution']);
    expect(c.scopeOuIds).toEqual([]);
    expect(c.offboardMode).toBe('retain');
    expect(c.externalIdMaxAgeDays).toBe(90);
    expect(c.backupRoleName).toBe('VeeamBackupRole');
    expect(c.workerRoleName).toBe('VeeamWorkerRole');
    expect(c.veeamCertSha256).toBeUndefined();
  });

  it('lists every problem in one error, naming each variable', () => {
    const problems = problemsOf({
      VEEAM_URL: 'http://10.0.1.10:11005',
      VEEAM_PRINCIPAL_ARN: 'not-an-arn',
      SCOPE_OU_IDS: 'ou-ab12-11111111,finance',
      EXCLUDED_ACCOUNT_IDS: '12345',
      OFFBOARD_MODE: 'purge',
      EXTERNAL_ID_MAX_AGE_DAYS: 'ninety',
      VEEAM_CERT_SHA256: 'abc',
    });
    const text = problems.join('\n');
    for (const name of [
      'VEEAM_URL',
      'VEEAM_SECRET_ID',
      'VEEAM_PRINCIPAL_ARN',
      'SCOPE_OU_IDS',
      'EXCLUDED_ACCOUNT_IDS',
      'OFFBOARD_MODE',
      'EXTERNAL_ID_MAX_AGE_DAYS',
      'VEEAM_CERT_SHA256',
    ]) {
      expect(text).toContain(name);
    }
    expect(problems).toHaveLength(8);
  });

  it('accepts a colon-separated certificate fingerprint and normalises it', () => {
    const fp = 'AB:'.repeat(31) + 'AB';
    expect(loadConfig({ ...valid, VEEAM_CERT_SHA256: fp }).veeamCertSha256).toBe('ab'.repeat(32));
  });

  it('falls back only to versions older than the configured one', () => {
    const c = loadConfig({ ...valid, VEEAM_API_VERSION: '1.6-rev0' });
    expect(c.veeamApiVersions[0]).toBe('1.6-rev0');
    expect(c.veeamApiVersions.every((v) => compareApiVersions(v, '1.6-rev0') <= 0)).toBe(true);
  });

  it('refuses to create roles named like the roles it assumes', () => {
    expect(problemsOf({ ...valid, MEMBER_ROLE_NAMES: 'VeeamBackupRole' }).join()).toContain('MEMBER_ROLE_NAMES');
  });
});
