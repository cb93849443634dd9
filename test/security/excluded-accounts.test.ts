import { join } from 'node:path';
import type { Template } from '../template/cfn';
import { deployed, evaluate, packageTemplate, resourcesOfType, ROOT } from '../template/cfn';

/**
 * Excluded accounts get nothing. The access role StackSet targets OUs, so before this an account in
 * EXCLUDED_ACCOUNT_IDS got the access role like any other (and with it, whoever controls the service reached it). Now
 * the StackSet leaves those accounts out (AccountFilterType DIFFERENCE), and the management account gets no access
 * role unless it is opted in.
 */
const EXCLUDED = ['111122223333', '444455556666'];
const common = {
  orgId: 'o-abc123def4',
  orgRootId: 'r-ab12',
  veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
};
const managementCommon = { orgRootId: 'r-ab12', createStackSet: 'true', veeamPrincipalArn: common.veeamPrincipalArn };

let excluding: Template;
let plain: Template;
let managementExcluding: Template;
let managementPlain: Template;

beforeAll(async () => {
  excluding = await packageTemplate({ ...common, excludedAccountIds: EXCLUDED.join(',') });
  plain = await packageTemplate(common);
  const dir = join(ROOT, 'management');
  managementExcluding = await packageTemplate({ ...managementCommon, excludedAccountIds: EXCLUDED.join(',') }, dir);
  managementPlain = await packageTemplate(managementCommon, dir);
}, 400_000);

const targets = (t: Template) => {
  const [[, set] = []] = resourcesOfType(t, 'AWS::CloudFormation::StackSet');
  return (set!.StackInstancesGroup as { DeploymentTargets: Record<string, unknown> }[])[0]!.DeploymentTargets;
};

describe('the access role StackSet', () => {
  it.each([
    ['service stack', () => excluding],
    ['management stack', () => managementExcluding],
  ])('leaves EXCLUDED_ACCOUNT_IDS out of its targets (%s)', (_label, t) => {
    expect(targets(t())).toEqual({
      OrganizationalUnitIds: ['r-ab12'],
      AccountFilterType: 'DIFFERENCE',
      Accounts: EXCLUDED,
    });
  });

  it.each([
    ['service stack', () => plain],
    ['management stack', () => managementPlain],
  ])('targets the whole OUs when nothing is excluded (Accounts may not be empty) (%s)', (_label, t) => {
    expect(targets(t())).toEqual({ OrganizationalUnitIds: ['r-ab12'] });
  });

  it('excludes exactly the accounts the functions treat as out of scope', () => {
    const [, worker] = resourcesOfType(excluding, 'AWS::Lambda::Function').find(
      ([id]) => id === 'WorkerLambdaFunction',
    )!;
    const env = (worker.Environment as { Variables: Record<string, string> }).Variables;
    expect(env.EXCLUDED_ACCOUNT_IDS!.split(',')).toEqual(targets(excluding).Accounts);
  });
});

describe('the management account, not opted in', () => {
  it('gets no access role or boundary from the service stack running there', () => {
    for (const id of ['VeeamOrgSyncAccessRole', 'VeeamOrgSyncBoundary']) expect(deployed(plain, id)).toBe(false);
    expect(evaluate(plain, { Condition: 'ManagementAccountAccess' })).toBe(false);
  });

  it('gets none from the management stack either', () => {
    for (const id of ['VeeamOrgSyncAccessRole', 'VeeamOrgSyncBoundary'])
      expect(deployed(managementPlain, id)).toBe(false);
  });
});
