import { join } from 'node:path';
import { parameterName } from '../../scripts/stack-settings';
import { asWritten, packageTemplate, packageWithParams, ROOT, stackParameterValues, type Template } from './cfn';

/**
 * The template tests package each stack once and take a variant's parameter values from the function serverless.yml
 * calls (packageTemplate). This is what makes that sound: a real `serverless package --param ...` gives those values,
 * and the very same template, whatever the values.
 */
const withoutArtifactKeys = (t: Template) => {
  const copy = structuredClone(asWritten(t));
  for (const r of Object.values(copy.Resources))
    if (r.Type === 'AWS::Lambda::Function') delete (r.Properties.Code as { S3Key?: string }).S3Key;
  return copy;
};

const variants: Array<[string, Record<string, string>, string]> = [
  [
    'service',
    {
      orgId: 'o-abc123def4',
      veeamMode: 'organization',
      memberAccess: 'existing',
      memberRoleNames: 'RoleA,RoleB',
      excludedAccountIds: '111111111111,222222222222',
    },
    ROOT,
  ],
  [
    'management',
    {
      orgRootId: 'r-ab12',
      createStackSet: 'true',
      veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
    },
    join(ROOT, 'management'),
  ],
];

describe.each(variants)('the %s stack packaged with --param', (_, params, cwd) => {
  let real: Template;
  beforeAll(async () => {
    real = await packageWithParams(params, cwd);
  }, 300_000);

  it('passes the stack parameter values the template tests compute for it', () => {
    expect(real.ParameterValues).toEqual(stackParameterValues(params, cwd));
    // Not just the defaults: each value given is passed.
    for (const [key, value] of Object.entries(params))
      expect([key, real.ParameterValues?.[parameterName(key)]]).toEqual([key, value]);
  });

  it('is the template packaged without values', async () => {
    expect(withoutArtifactKeys(real)).toEqual(withoutArtifactKeys(await packageTemplate(params, cwd)));
  });
});
