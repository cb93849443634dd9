import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { loadConfig } from '../../lib/config';
import { StsMemberAccess } from '../../lib/member/member-access';
import type { CfnTemplate } from '../../lib/roles/access-template';
import { blueprints } from '../../lib/roles/blueprints';
import { installIamStsFake } from '../../sim/aws/iam-sts';
import { resolveMemberTemplate } from '../support/member-template';
import type { Template } from '../template/cfn';
import { evaluate, packageTemplate, resourcesOfType, ROOT } from '../template/cfn';

/**
 * One installation, one set of names. The boundary, the StackSet and the RCP are named per installation, so a second
 * installation's StackSet no longer fails with EntityAlreadyExists in every account the first holds, and neither's
 * roles satisfy the other's boundary condition. The default installation keeps the names it always had.
 */
const MEMBER = '444455556666';
const INSTALLATIONS = ['veeam-org-sync', 'team-b'] as const;
type Names = { stackSet: string; boundary: string; boundaryArn: string; rcp: string };

const names: Record<string, Names> = {};

function namesOf(service: Template, management: Template): Names {
  const [[, set] = []] = resourcesOfType(service, 'AWS::CloudFormation::StackSet');
  const parameters = Object.fromEntries(
    (set!.Parameters as { ParameterKey: string; ParameterValue: string }[]).map((p) => [
      p.ParameterKey,
      p.ParameterValue,
    ]),
  );
  const member = resolveMemberTemplate(
    { accountId: MEMBER, installationId: parameters.InstallationId! },
    JSON.parse(set!.TemplateBody as string) as CfnTemplate,
  );
  const [[, rcp] = []] = resourcesOfType(management, 'AWS::Organizations::Policy');
  return {
    stackSet: set!.StackSetName as string,
    boundary: member.boundaryName,
    boundaryArn: member.boundaryArn,
    rcp: rcp!.Name as string,
  };
}

beforeAll(async () => {
  for (const installationId of INSTALLATIONS) {
    const service = await packageTemplate({ orgId: 'o-abc123def4', orgRootId: 'r-ab12', installationId });
    const management = await packageTemplate(
      {
        installationId,
        orgRootId: 'r-ab12',
        createStackSet: 'true',
        veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
      },
      join(ROOT, 'management'),
    );
    names[installationId] = namesOf(service, management);
    // The management stack's StackSet (stackSetCallAs=NONE) carries the same name scheme.
    const [[, set] = []] = resourcesOfType(management, 'AWS::CloudFormation::StackSet');
    expect(evaluate(management, set!.StackSetName)).toBe(
      names[installationId].stackSet.replace('veeam-org-sync-dev', 'veeam-org-sync-management-dev'),
    );
  }
}, 400_000);

describe('two installations with different installationIds', () => {
  it('get different boundary, StackSet and RCP names', () => {
    const [a, b] = INSTALLATIONS.map((id) => names[id]!);
    expect(a!.boundary).not.toBe(b!.boundary);
    expect(a!.stackSet).not.toBe(b!.stackSet);
    expect(a!.rcp).not.toBe(b!.rcp);
  });

  it('the default installation keeps the names it always had; another is suffixed with its id', () => {
    expect(names['veeam-org-sync']).toEqual({
      stackSet: 'veeam-org-sync-dev-access-role',
      boundary: 'VeeamOrgSyncBoundary',
      boundaryArn: `arn:aws:iam::${MEMBER}:policy/VeeamOrgSyncBoundary`,
      rcp: 'veeam-org-sync-dev-veeam-roles',
    });
    expect(names['team-b']).toEqual({
      stackSet: 'veeam-org-sync-dev-access-role-team-b',
      boundary: 'VeeamOrgSyncBoundary-team-b',
      boundaryArn: `arn:aws:iam::${MEMBER}:policy/VeeamOrgSyncBoundary-team-b`,
      rcp: 'veeam-org-sync-dev-team-b-veeam-roles',
    });
  });

  it.each(INSTALLATIONS)('%s: the code creates its roles with the boundary its template deploys', async (id) => {
    const fake = installIamStsFake({
      accessRole: {
        roleName: 'VeeamOrgSyncAccess',
        manages: ['VeeamBackupRole', 'VeeamWorkerRole'],
        installationId: id,
      },
    });
    try {
      fake.addAccount(MEMBER);
      const config = loadConfig({
        INSTALLATION_ID: id,
        VEEAM_PRINCIPAL_ARN: 'arn:aws:iam::333333333333:role/V',
        VEEAM_URL: 'https://10.0.0.1:11005',
        VEEAM_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:v-AbCdEf',
      });
      const access = new StsMemberAccess({
        config,
        sts: new STSClient({
          region: 'us-east-1',
          credentials: { accessKeyId: 'FAKE111111111111S', secretAccessKey: 'x' },
        }),
      });
      const roles = await access.roles(MEMBER);
      const trust = { principalArn: config.veeamPrincipalArn, externalIds: ['E'.repeat(40)], stateTags: {} };
      for (const bp of blueprints(config)) await roles.ensure(bp, trust, await roles.read(bp), { dryRun: false });
      expect(fake.callsOf('CreateRole').map((c) => c.input.PermissionsBoundary)).toEqual([
        names[id]!.boundaryArn,
        names[id]!.boundaryArn,
      ]);
    } finally {
      fake.restore();
    }
  });
});
