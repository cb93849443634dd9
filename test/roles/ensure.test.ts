import { EntityAlreadyExistsException, NoSuchEntityException } from '@aws-sdk/client-iam';
import { externalIdFingerprint } from '../../lib/external-id';
import { policySetTag } from '../../lib/roles/tags';
import { APPLIANCE, BACKUP, desired, ID_A, ID_B, MEMBER, WORKER, world, type World } from './iam-world';

const OWNED_PROFILE_TAGS: Array<[string, string]> = [
  ['veeam-org-sync:managed', 'veeam-org-sync'],
  ['veeam-org-sync:blueprint', 'worker'],
];

/** An instance profile of the worker role's name that someone else made: no ownership tag. */
function foreignProfile(roles: string[]) {
  w.fake.account(MEMBER).instanceProfiles.set('VeeamWorkerRole', {
    name: 'VeeamWorkerRole',
    arn: `arn:aws:iam::${MEMBER}:instance-profile/VeeamWorkerRole`,
    roles,
    tags: new Map([['team', 'platform']]),
  });
}

let w: World;
beforeEach(() => {
  w = world();
});
afterEach(() => w.fake.restore());

describe('fresh account', () => {
  it('creates the backup role with trust, inline policy and ownership + state tags', async () => {
    const res = await w.ensure(BACKUP);
    expect(res).toMatchObject({
      status: 'created',
      roleName: 'VeeamBackupRole',
      roleArn: `arn:aws:iam::${MEMBER}:role/VeeamBackupRole`,
    });
    const role = w.fake.role(MEMBER, 'VeeamBackupRole')!;
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_A)).toBe(true);
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', 'ec2.amazonaws.com')).toBe(false);
    expect(Object.fromEntries(role.tags)).toEqual({
      'veeam-org-sync:managed': 'veeam-org-sync',
      'veeam-org-sync:blueprint': 'backup',
      'veeam-org-sync:external-id-issued': '2026-11-01T00:00:00.000Z',
      'veeam-org-sync:policies': policySetTag(BACKUP),
    });
    expect([...role.inline.keys()]).toEqual(['veeam-org-sync-ec2-backup-restore']);
    expect(role.description).toMatch(/Veeam/);
    expect(role.maxSessionDuration).toBe(3600);
    expect(res.changes.map((c) => c.kind)).toEqual(['create-role', 'put-policy']);
  });

  it('creates the worker role with an instance profile of the same name that EC2 can use', async () => {
    const res = await w.ensure(WORKER);
    expect(res.status).toBe('created');
    expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual(['VeeamWorkerRole']);
    expect(w.fake.canAssume(MEMBER, 'VeeamWorkerRole', 'ec2.amazonaws.com')).toBe(true);
    expect(res.changes.map((c) => c.kind)).toEqual([
      'create-role',
      'put-policy',
      'create-instance-profile',
      'add-role-to-instance-profile',
    ]);
  });

  it('reports what read() sees after creation: owned, accepted external IDs in order', async () => {
    await w.ensure(BACKUP, desired([ID_A, ID_B]));
    const snap = await w.store.read(BACKUP);
    expect(snap).toMatchObject({ exists: true, owned: true, trustExternalIds: [ID_A, ID_B] });
  });
});

describe('converged role', () => {
  it('makes zero write calls on a second run and reports ok', async () => {
    await w.ensure(BACKUP);
    await w.ensure(WORKER);
    const before = w.fake.writes().length;
    const readsBefore = w.fake.calls.length;
    const [b, k] = [await w.ensure(BACKUP), await w.ensure(WORKER)];
    expect(w.fake.writes()).toHaveLength(before);
    expect(b).toMatchObject({ status: 'ok', changes: [] });
    expect(k).toMatchObject({ status: 'ok', changes: [] });
    // The read is GetRole and GetRolePolicy by name (+ GetInstanceProfile): nothing is listed on a converged role.
    expect(w.fake.calls.length - readsBefore).toBe(2 + 3);
    expect(w.fake.calls.slice(readsBefore).map((c) => c.command)).not.toContain('ListRolePolicies');
  });

  it('a role converged by an earlier version (no policies tag) is listed once, tagged, then read without listing', async () => {
    await w.ensure(BACKUP);
    w.fake.role(MEMBER, 'VeeamBackupRole')!.tags.delete('veeam-org-sync:policies');
    const mark = w.fake.calls.length;
    const first = await w.ensure(BACKUP);
    expect(first.changes.map((c) => c.kind)).toEqual(['tag-role']);
    expect(w.fake.calls.slice(mark).map((c) => c.command)).toContain('ListRolePolicies');
    const again = w.fake.calls.length;
    expect(await w.ensure(BACKUP)).toMatchObject({ status: 'ok', changes: [] });
    expect(
      w.fake.calls
        .slice(again)
        .map((c) => c.command)
        .sort(),
    ).toEqual(['GetRole', 'GetRolePolicy']);
  });

  it('dry run on a fresh account lists the same changes and writes nothing', async () => {
    const dry = await w.ensure(WORKER, desired(), true);
    expect(w.fake.writes()).toHaveLength(0);
    const real = await w.ensure(WORKER);
    expect(dry.changes).toEqual(real.changes);
    expect(dry.status).toBe('created');
  });

  it('dry run on a drifted role reports the repair without making it', async () => {
    await w.ensure(BACKUP);
    w.fake.role(MEMBER, 'VeeamBackupRole')!.inline.clear();
    const n = w.fake.writes().length;
    const dry = await w.ensure(BACKUP, desired(), true);
    expect(dry).toMatchObject({ status: 'repaired', changes: [{ kind: 'put-policy' }] });
    expect(w.fake.writes()).toHaveLength(n);
  });
});

describe('external-ID rotation through the trust', () => {
  it('widens to [old,new] then narrows to [new]; changes show fingerprints, never the IDs', async () => {
    await w.ensure(BACKUP, desired([ID_A]));
    const widen = await w.ensure(BACKUP, desired([ID_A, ID_B]));
    expect(widen.changes.map((c) => c.kind)).toEqual(['update-trust']);
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_A)).toBe(true);
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_B)).toBe(true);
    const narrow = await w.ensure(BACKUP, desired([ID_B]));
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_A)).toBe(false);
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_B)).toBe(true);
    const text = JSON.stringify([widen, narrow]);
    expect(text).not.toContain(ID_A);
    expect(text).not.toContain(ID_B);
    expect(text).toContain(externalIdFingerprint(ID_B));
  });

  it('surfaces IAM’s refusal of a trust over the 2,048-character quota and creates nothing half-way', async () => {
    const many = Array.from({ length: 45 }, (_, i) => `${ID_A.slice(0, 38)}${String(i).padStart(2, '0')}`);
    await expect(w.ensure(BACKUP, desired(many))).rejects.toThrow(/ACLSizePerRole/);
    expect(w.fake.role(MEMBER, 'VeeamBackupRole')).toBeUndefined();
  });

  it('refuses a trust without any external ID', async () => {
    await expect(w.ensure(BACKUP, desired([]))).rejects.toThrow(/no external ID/);
    expect(w.fake.writes()).toHaveLength(0);
  });
});

describe('tags', () => {
  it('updates changed state tags, removes our stale ones and never touches foreign tags', async () => {
    await w.ensure(BACKUP);
    const tags = w.fake.role(MEMBER, 'VeeamBackupRole')!.tags;
    tags.set('CostCenter', '42');
    tags.set('veeam-org-sync:stale', 'x');
    const res = await w.ensure(
      BACKUP,
      desired([ID_A], { 'veeam-org-sync:external-id-issued': '2026-12-01T00:00:00.000Z' }),
    );
    expect(res.changes.map((c) => c.kind)).toEqual(['tag-role', 'untag-role']);
    expect(Object.fromEntries(tags)).toEqual({
      'veeam-org-sync:managed': 'veeam-org-sync',
      'veeam-org-sync:blueprint': 'backup',
      'veeam-org-sync:external-id-issued': '2026-12-01T00:00:00.000Z',
      'veeam-org-sync:policies': policySetTag(BACKUP),
      CostCenter: '42',
    });
    const untag = w.fake.callsOf('UntagRole')[0]!;
    expect(untag.input.TagKeys).toEqual(['veeam-org-sync:stale']);
  });
});

describe('ownership', () => {
  it('reports a same-named role without our tag as a conflict and writes nothing to it', async () => {
    w.fake.addRole(MEMBER, 'VeeamBackupRole', {
      trust: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123412341234:root' }, Action: 'sts:AssumeRole' },
        ],
      },
      tags: { owner: 'someone-else' },
    });
    const res = await w.ensure(BACKUP);
    expect(res.status).toBe('conflict');
    expect(res.changes).toEqual([]);
    expect(res.reason).toMatch(/VeeamBackupRole.*not ours/);
    expect(w.fake.writes()).toHaveLength(0);
    expect(await w.store.remove(BACKUP, { dryRun: false })).toEqual([]);
    expect(w.fake.writes()).toHaveLength(0);
    expect(w.fake.role(MEMBER, 'VeeamBackupRole')).toBeDefined();
  });

  it('leaves inline policies and managed attachments of others on our role alone', async () => {
    await w.ensure(BACKUP);
    const role = w.fake.role(MEMBER, 'VeeamBackupRole')!;
    role.inline.set(
      'team-extra',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }],
      }),
    );
    role.attached.push('arn:aws:iam::aws:policy/ReadOnlyAccess');
    const res = await w.ensure(BACKUP);
    expect(res.status).toBe('ok');
    expect(role.inline.has('team-extra')).toBe(true);
    expect(role.attached).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  });
});

describe('concurrent runs', () => {
  it('settles when another run creates the role between our read and our CreateRole', async () => {
    const staleSnapshot = await w.store.read(WORKER);
    await w.ensure(WORKER); // the other invocation wins the race
    const before = w.fake.writes().length;
    const res = await w.store.ensure(WORKER, desired(), staleSnapshot, { dryRun: false });
    expect(res).toMatchObject({ status: 'ok', changes: [] });
    expect(w.fake.callsOf('CreateRole').map((c) => c.error)).toEqual([undefined, 'EntityAlreadyExistsException']);
    expect(w.fake.writes().length - before).toBe(1); // only the refused CreateRole
  });

  it('re-reads after an injected EntityAlreadyExists and still converges', async () => {
    w.fake.failNext(
      'CreateRole',
      new EntityAlreadyExistsException({ message: 'Role with name VeeamBackupRole already exists.', $metadata: {} }),
    );
    const res = await w.ensure(BACKUP);
    expect(res.status).toBe('created');
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_A)).toBe(true);
    expect(w.fake.callsOf('GetRole')).toHaveLength(2);
    expect((await w.ensure(BACKUP)).changes).toEqual([]);
  });

  it('takes over an instance profile another run created a moment earlier', async () => {
    w.fake.failNext('CreateInstanceProfile', () => {
      // The other run is ours too: its CreateInstanceProfile carried the ownership tags.
      w.fake.account(MEMBER).instanceProfiles.set('VeeamWorkerRole', {
        name: 'VeeamWorkerRole',
        arn: `arn:aws:iam::${MEMBER}:instance-profile/VeeamWorkerRole`,
        roles: [],
        tags: new Map(OWNED_PROFILE_TAGS),
      });
      return new EntityAlreadyExistsException({
        message: 'Instance Profile VeeamWorkerRole already exists.',
        $metadata: {},
      });
    });
    const res = await w.ensure(WORKER);
    expect(res.status).toBe('created');
    expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual(['VeeamWorkerRole']);
    expect((await w.ensure(WORKER)).changes).toEqual([]);
  });

  it('gives up after a few rounds when IAM keeps contradicting itself', async () => {
    w.fake.failNext('CreateRole', new EntityAlreadyExistsException({ message: 'exists', $metadata: {} }), 5);
    await expect(w.ensure(BACKUP)).rejects.toThrow('exists');
    expect(w.fake.callsOf('CreateRole')).toHaveLength(3);
  });

  it('re-reads and recreates when the role vanishes between read and write (NoSuchEntity)', async () => {
    await w.ensure(BACKUP);
    w.fake.role(MEMBER, 'VeeamBackupRole')!.inline.clear();
    const snap = await w.store.read(BACKUP);
    w.fake.account(MEMBER).roles.delete('VeeamBackupRole');
    const res = await w.store.ensure(BACKUP, desired(), snap, { dryRun: false });
    expect(res.status).toBe('created');
    expect(w.fake.canAssume(MEMBER, 'VeeamBackupRole', APPLIANCE, ID_A)).toBe(true);
  });
});

describe('remove', () => {
  it('removes an owned worker role, its policy and instance profile in IAM order; second remove is a no-op', async () => {
    await w.ensure(WORKER);
    w.fake.role(MEMBER, 'VeeamWorkerRole')!.attached.push('arn:aws:iam::aws:policy/ReadOnlyAccess');
    const n = w.fake.writes().length;
    const dry = await w.store.remove(WORKER, { dryRun: true });
    expect(w.fake.writes()).toHaveLength(n);
    const changes = await w.store.remove(WORKER, { dryRun: false });
    expect(changes).toEqual(dry);
    expect(changes.map((c) => c.kind)).toEqual([
      'remove-role-from-instance-profile',
      'delete-instance-profile',
      'delete-policy',
      'detach-policy',
      'delete-role',
    ]);
    expect(w.fake.role(MEMBER, 'VeeamWorkerRole')).toBeUndefined();
    expect(w.fake.account(MEMBER).instanceProfiles.size).toBe(0);
    expect(await w.store.remove(WORKER, { dryRun: false })).toEqual([]);
  });

  it('treats NoSuchEntity at a step as already done', async () => {
    await w.ensure(WORKER);
    w.fake.failNext('DeleteInstanceProfile', () => {
      w.fake.account(MEMBER).instanceProfiles.delete('VeeamWorkerRole');
      return new NoSuchEntityException({ message: 'gone', $metadata: {} });
    });
    const changes = await w.store.remove(WORKER, { dryRun: false });
    expect(changes.map((c) => c.kind)).not.toContain('delete-instance-profile');
    expect(w.fake.role(MEMBER, 'VeeamWorkerRole')).toBeUndefined();
  });
});

describe('instance profile ownership', () => {
  it('creates the worker instance profile with our ownership tags and reads it back as ours', async () => {
    await w.ensure(WORKER);
    expect(Object.fromEntries(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')!.tags)).toEqual(
      Object.fromEntries(OWNED_PROFILE_TAGS),
    );
    expect((await w.store.read(WORKER)).instanceProfile).toEqual({
      name: 'VeeamWorkerRole',
      roleNames: ['VeeamWorkerRole'],
      owned: true,
      owner: { kind: 'ours' },
    });
  });

  it('an existing instance profile of that name without our tag: conflict naming the fix, nothing written', async () => {
    foreignProfile(['OrganizationAccountAccessRole']);
    expect((await w.store.read(WORKER)).instanceProfile).toMatchObject({ owned: false });
    const dry = await w.ensure(WORKER, desired(), true);
    const res = await w.ensure(WORKER);
    for (const r of [dry, res]) {
      expect(r).toMatchObject({ status: 'conflict', roleName: 'VeeamWorkerRole', changes: [] });
      expect(r.reason).toContain(
        `instance profile VeeamWorkerRole in ${MEMBER} exists without the tag veeam-org-sync:managed=veeam-org-sync`,
      );
      expect(r.reason).toMatch(/Delete that instance profile/);
      expect(r.reason).toMatch(/WORKER_ROLE_NAME/);
    }
    expect(w.fake.writes()).toHaveLength(0);
    const profile = w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')!;
    expect(profile.roles).toEqual(['OrganizationAccountAccessRole']);
    expect(Object.fromEntries(profile.tags)).toEqual({ team: 'platform' });
    expect(w.fake.role(MEMBER, 'VeeamWorkerRole')).toBeUndefined();
  });

  it('a concurrent CreateInstanceProfile by someone else (untagged) ends in a conflict, not a take-over', async () => {
    w.fake.failNext('CreateInstanceProfile', () => {
      foreignProfile([]);
      return new EntityAlreadyExistsException({
        message: 'Instance Profile VeeamWorkerRole already exists.',
        $metadata: {},
      });
    });
    const res = await w.ensure(WORKER);
    expect(res.status).toBe('conflict');
    expect(res.reason).toContain('instance profile VeeamWorkerRole');
    expect(w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')?.roles).toEqual([]);
    expect(w.fake.callsOf('AddRoleToInstanceProfile')).toHaveLength(0);
  });

  it.each([
    ['empty', []],
    ['holding another role', ['OrganizationAccountAccessRole']],
  ])('remove leaves an instance profile of that name that is not ours alone (%s)', async (_label, roles) => {
    await w.ensure(WORKER);
    w.fake.account(MEMBER).instanceProfiles.delete('VeeamWorkerRole');
    foreignProfile(roles);
    const dry = await w.store.remove(WORKER, { dryRun: true });
    const changes = await w.store.remove(WORKER, { dryRun: false });
    expect(changes).toEqual(dry);
    expect(changes.map((c) => c.kind)).toEqual(['delete-policy', 'delete-role']);
    expect(w.fake.role(MEMBER, 'VeeamWorkerRole')).toBeUndefined();
    expect(
      w.fake
        .writes()
        .filter((c) => c.input.InstanceProfileName !== undefined)
        .map((c) => c.command),
    ).toEqual(['CreateInstanceProfile', 'AddRoleToInstanceProfile']);
    const profile = w.fake.account(MEMBER).instanceProfiles.get('VeeamWorkerRole')!;
    expect(profile.roles).toEqual(roles);
    expect(Object.fromEntries(profile.tags)).toEqual({ team: 'platform' });
  });
});

describe('throttling that outlasts the SDK’s own retries', () => {
  it('fails the run as retryable; the next run picks up where it stopped without repeating work', async () => {
    const { describeError } = await import('../../lib/errors');
    w.fake.throttle('PutRolePolicy');
    const err = await w.ensure(BACKUP).catch((e: unknown) => e);
    expect((err as Error).name).toBe('Throttling');
    expect(describeError(err).retryable).toBe(true);
    const res = await w.ensure(BACKUP);
    expect(res.changes.map((c) => c.kind)).toEqual(['put-policy']);
    expect(w.fake.callsOf('CreateRole')).toHaveLength(1);
  });
});

describe('ownership per installation (INSTALLATION_ID in the managed tag)', () => {
  const teamA = { ...WORKER, installationId: 'team-a' };
  const teamB = { ...WORKER, installationId: 'team-b' };

  it("installation B neither modifies nor removes installation A's role and profile: a conflict naming A", async () => {
    await w.ensure(teamA);
    const trustBefore = w.fake.role(MEMBER, 'VeeamWorkerRole')!.trust;
    const roleBefore = {
      ...w.fake.role(MEMBER, 'VeeamWorkerRole')!,
      tags: new Map(w.fake.role(MEMBER, 'VeeamWorkerRole')!.tags),
    };
    const writes = w.fake.writes().length;
    const res = await w.ensure(teamB, desired([ID_B]));
    expect(res).toMatchObject({ status: 'conflict', changes: [] });
    expect(res.reason).toMatch(/carries veeam-org-sync:managed=team-a: owned by installation team-a/);
    expect(res.reason).toMatch(/SCOPE_OU_IDS or EXCLUDED_ACCOUNT_IDS/);
    expect(await w.store.remove(teamB, { dryRun: false })).toEqual([]);
    expect(w.fake.writes()).toHaveLength(writes);
    expect(w.fake.role(MEMBER, 'VeeamWorkerRole')!.trust).toBe(trustBefore);
    expect(w.fake.role(MEMBER, 'VeeamWorkerRole')!.tags).toEqual(roleBefore.tags);
    expect(w.fake.canAssume(MEMBER, 'VeeamWorkerRole', APPLIANCE, ID_A)).toBe(true);
  });

  it('adopts a role and profile tagged before installation ids (stamps our id), and never removes them unstamped', async () => {
    await w.ensure(teamA);
    const acct = w.fake.account(MEMBER);
    acct.roles.get('VeeamWorkerRole')!.tags.set('veeam-org-sync:managed', 'true');
    acct.instanceProfiles.get('VeeamWorkerRole')!.tags.set('veeam-org-sync:managed', 'true');
    expect((await w.store.read(teamB)).owner).toEqual({ kind: 'legacy' });
    // Offboarding never removes what carries no installation id.
    expect(await w.store.remove(teamB, { dryRun: false })).toEqual([]);
    expect(acct.roles.has('VeeamWorkerRole')).toBe(true);
    // Converging (the account is in B's scope) adopts both.
    const res = await w.ensure(teamB);
    expect(res.status).toBe('repaired');
    expect(res.changes.map((c) => c.kind).sort()).toEqual(['tag-instance-profile', 'tag-role']);
    expect(acct.roles.get('VeeamWorkerRole')!.tags.get('veeam-org-sync:managed')).toBe('team-b');
    expect(acct.instanceProfiles.get('VeeamWorkerRole')!.tags.get('veeam-org-sync:managed')).toBe('team-b');
    expect((await w.ensure(teamB)).changes).toEqual([]);
    // Now it is B's: B may remove it, A may not.
    expect(await w.store.remove(teamA, { dryRun: false })).toEqual([]);
    expect((await w.store.remove(teamB, { dryRun: false })).map((c) => c.kind)).toContain('delete-role');
    expect(acct.roles.has('VeeamWorkerRole')).toBe(false);
    expect(acct.instanceProfiles.size).toBe(0);
  });
});
