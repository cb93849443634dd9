import { toCoveragePolicy } from '../../lib/coverage/policy';

describe('a backup policy read in every documented form', () => {
  it('1.0-rev0: the source role is amazonAccountId (the entry id); isEnabled and lastPolicySessionStatus', () => {
    const p = toCoveragePolicy(
      {
        id: 'p1',
        name: 'ec2-daily',
        amazonAccountId: '046b6c7f-0b8a-43b9-b35d-6489e6daee91',
        isEnabled: true,
        backupType: 'AllItems',
        lastPolicySessionStatus: 'Failed',
      },
      'EC2',
    );
    expect(p).toEqual({
      id: 'p1',
      name: 'ec2-daily',
      workload: 'EC2',
      enabled: true,
      lastSessionStatus: 'Failed',
      source: { kind: 'role', entryId: '046b6c7f-0b8a-43b9-b35d-6489e6daee91' },
    });
  });

  it('later requests: identityId; later responses: an identity object with id (and awsId)', () => {
    expect(toCoveragePolicy({ name: 'a', identityId: 'e-1', isEnabled: false }, 'RDS')).toMatchObject({
      enabled: false,
      source: { kind: 'role', entryId: 'e-1' },
    });
    expect(
      toCoveragePolicy(
        { name: 'b', identity: { id: 'e-2', type: 'IAMRole', awsId: '222233334444', name: 'x' }, isEnabled: true },
        'EFS',
      ).source,
    ).toEqual({ kind: 'role', entryId: 'e-2', awsAccountId: '222233334444' });
  });

  it('an organization source: the whole organization, an OU identity, a limited scope, excluded members in both spellings', () => {
    expect(
      toCoveragePolicy(
        {
          name: 'org',
          identity: { id: 'o-1', type: 'Organization', awsId: 'o-abcdefghij' },
          organizationSettings: { excludedMembers: [{ awsId: '555566667777', type: 'Account' }, 'ou-ab12-33333333'] },
          isEnabled: true,
        },
        'EC2',
      ).source,
    ).toEqual({ kind: 'organization', excluded: ['555566667777', 'ou-ab12-33333333'] });
    expect(
      toCoveragePolicy(
        { name: 'ou', identity: { id: 'o-2', type: 'OrganizationalUnit', awsId: 'ou-ab12-22222222' }, isEnabled: true },
        'EC2',
      ).source,
    ).toEqual({ kind: 'organization', underIds: ['ou-ab12-22222222'], excluded: [] });
    expect(
      toCoveragePolicy(
        {
          name: 's',
          identityId: 'o-3',
          organizationSettings: { limitedScopeId: 'scope-1', excludeMembers: ['111122223333'] },
        },
        'EC2',
      ).source,
    ).toEqual({ kind: 'organization', limitedScopeId: 'scope-1', excluded: ['111122223333'] });
  });

  it('a policy without a recognisable source or enabled flag covers nothing', () => {
    expect(toCoveragePolicy({ name: 'odd' }, 'EC2')).toMatchObject({ enabled: false, source: { kind: 'unknown' } });
    expect(toCoveragePolicy({ name: 'status', identityId: 'e', policyStatus: 'Enabled' }, 'EC2').enabled).toBe(true);
  });
});
