import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  MalformedPolicyDocumentException,
  DeleteRolePermissionsBoundaryCommand,
  PutRolePermissionsBoundaryCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { boundaryPolicyName } from '../../lib/roles/access-template';
import { MANAGED_TAG, TAG_PREFIX } from '../../lib/roles/tags';
import {
  asArray,
  asText,
  type AccountRegistry,
  type FakeAccount,
  type FakeIdentity,
  type FakeInstanceProfile,
  type FakeRole,
} from './account-registry';
import { meta, type CallLog } from './fake-calls';

/**
 * A stateful in-memory IAM for tests and the sandbox, over the accounts of an AccountRegistry. It stands in for AWS
 * only: the service's own code runs against it unchanged through real SDK clients whose `send` is replaced by
 * aws-sdk-client-mock.
 *
 * With the simulated StackSet (registry option `accessRole`), a caller acting as the access role may only do what its
 * policy allows (lib/roles/access-template.ts): our role names; CreateRole only with that boundary and our ownership
 * tag; trust and policy writes only on a role carrying the boundary; tag writes only on a role already carrying our
 * ownership tag, under our keys; never a boundary put or removed, never AttachRolePolicy.
 *
 * Not modelled: IAM's eventual consistency, paths other than "/", SCPs. What real IAM returns
 * and this fake mirrors: documents URL-encoded on read, DeleteConflict when a role still has policies or profiles,
 * an instance profile holding at most one role, tags set on CreateRole / CreateInstanceProfile and returned by
 * GetRole / GetInstanceProfile, the 2,048-character trust and 10,240-character inline quotas.
 */

export const TRUST_POLICY_LIMIT = 2048;
export const INLINE_AGGREGATE_LIMIT = 10240;

const noSuchEntity = (message: string) => new NoSuchEntityException({ message, $metadata: meta(404) });
const alreadyExists = (message: string) => new EntityAlreadyExistsException({ message, $metadata: meta(409) });
const deleteConflict = (message: string) => new DeleteConflictException({ message, $metadata: meta(409) });

/** IAM's throttling error as the SDK surfaces it after its own retries are exhausted. */
export function throttlingError(): Error {
  const err = new IAMServiceException({
    name: 'Throttling',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: meta(400),
  });
  Object.assign(err, { $retryable: { throttling: true } });
  return err;
}

const size = (text: string) => text.replace(/\s/g, '').length;

export interface IamFake {
  /** Clears the mock's own history and answers every IAM command again (after a reset of the registry). */
  reset(): void;
  restore(): void;
}

/** Answers every IAM command the service uses from `registry`, each call through `log`. */
export function installIamFake(registry: AccountRegistry, log: CallLog): IamFake {
  const { state, now, nextId } = registry;
  const opts = registry.options;
  const account = registry.account;
  const accessRoles = registry.accessRoles;

  const getRole = (accountId: string, roleName: unknown): FakeRole => {
    const r = account(accountId).roles.get(String(roleName));
    if (!r) throw noSuchEntity(`The role with name ${String(roleName)} cannot be found.`);
    return r;
  };

  const checkTrust = (text: string) => {
    try {
      JSON.parse(text);
    } catch {
      throw new MalformedPolicyDocumentException({ message: 'Syntax errors in policy.', $metadata: meta(400) });
    }
    if (size(text) > TRUST_POLICY_LIMIT) {
      throw new MalformedPolicyDocumentException({
        message: `Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_LIMIT}`,
        $metadata: meta(400),
      });
    }
  };

  /** Like IAM: the boundary must be a managed policy that exists (AWS managed, or customer managed here). */
  const checkBoundary = (accountId: string, arn: unknown): string => {
    const text = String(arn);
    if (text.startsWith(`arn:${state.partition}:iam::aws:policy/`) || account(accountId).policies.has(text))
      return text;
    throw noSuchEntity(`Scope ARN: ${text} does not exist or is not attachable.`);
  };

  const BOUNDED_WRITES = [
    'UpdateAssumeRolePolicy',
    'PutRolePolicy',
    'DeleteRolePolicy',
    'DetachRolePolicy',
    'DeleteRole',
  ];

  /** What the access role's policy (lib/roles/access-template.ts) lets it do; undefined = allowed. */
  const accessRoleGuard = (
    command: string,
    input: Record<string, unknown>,
    caller: FakeIdentity,
  ): Error | undefined => {
    if (!opts.accessRole) return undefined;
    const callerRole = /:role\/([^/]+)$/.exec(caller.principalArn)?.[1] ?? '';
    const installation = accessRoles.get(callerRole);
    if (installation === undefined || !caller.principalArn.includes(`::${caller.accountId}:role/`)) return undefined;
    const boundary = `arn:${state.partition}:iam::${caller.accountId}:policy/${boundaryPolicyName(installation)}`;
    const target = [input.RoleName, input.InstanceProfileName].find((v): v is string => typeof v === 'string') ?? '*';
    const denied = () =>
      new IAMServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: `User: ${caller.callerArn} is not authorized to perform: iam:${command} on resource: ${target}`,
        $metadata: meta(403),
      });
    if (!opts.accessRole.manages.includes(target)) return denied();
    if (['DeleteRolePermissionsBoundary', 'PutRolePermissionsBoundary', 'AttachRolePolicy'].includes(command))
      return denied();
    const ourKeys = (keys: string[]) => keys.every((k) => k.startsWith(TAG_PREFIX));
    const existing = account(caller.accountId).roles.get(target);
    if (command === 'CreateRole') {
      const tags = tagList(input.Tags);
      const managed = tags.find((t) => t.Key === MANAGED_TAG)?.Value;
      if (input.PermissionsBoundary !== boundary || managed !== installation || !ourKeys(tags.map((t) => t.Key)))
        return denied();
    }
    // IAM evaluates iam:PermissionsBoundary from the role as it is; a role that is gone answers NoSuchEntity below.
    if (BOUNDED_WRITES.includes(command) && existing && existing.boundary !== boundary) return denied();
    if (command === 'TagRole' || command === 'UntagRole') {
      const owner = existing?.tags.get(MANAGED_TAG);
      const keys = command === 'TagRole' ? tagList(input.Tags).map((t) => t.Key) : asArray(input.TagKeys);
      if (existing && (![installation, 'true'].includes(owner ?? '') || !ourKeys(keys))) return denied();
    }
    // AddRoleToInstanceProfile needs iam:PassRole on the role, granted on the worker role (its profile's namesake) only.
    if (command === 'AddRoleToInstanceProfile' && input.RoleName !== input.InstanceProfileName) return denied();
    return undefined;
  };
  const roleView = (r: FakeRole) => ({
    Path: '/',
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: encodeURIComponent(r.trust),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    MaxSessionDuration: r.maxSessionDuration,
    ...(r.tags.size ? { Tags: [...r.tags].map(([Key, Value]) => ({ Key, Value })) } : {}),
    ...(r.boundary
      ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.boundary } }
      : {}),
  });

  const profileView = (p: FakeInstanceProfile, a: FakeAccount) => ({
    Path: '/',
    InstanceProfileName: p.name,
    InstanceProfileId: `AIPA${p.name.toUpperCase().slice(0, 12)}`,
    Arn: p.arn,
    CreateDate: new Date(0),
    Roles: p.roles.flatMap((n) => {
      const r = a.roles.get(n);
      return r ? [roleView(r)] : [];
    }),
  });

  type Handler = (input: Record<string, unknown>, accountId: string) => unknown;
  const tagList = (tags: unknown) => (Array.isArray(tags) ? (tags as Array<{ Key: string; Value: string }>) : []);

  const iamHandlers: Record<string, Handler> = {
    GetRole: (i, acct) => ({ Role: roleView(getRole(acct, i.RoleName)) }),
    CreateRole: (i, acct) => {
      const a = account(acct);
      const name = String(i.RoleName);
      if (a.roles.has(name)) throw alreadyExists(`Role with name ${name} already exists.`);
      const trust = String(i.AssumeRolePolicyDocument);
      checkTrust(trust);
      const boundary = i.PermissionsBoundary === undefined ? undefined : checkBoundary(acct, i.PermissionsBoundary);
      const r: FakeRole = {
        roleName: name,
        arn: `arn:${state.partition}:iam::${acct}:role/${name}`,
        roleId: nextId('AROA'),
        ...(i.Description !== undefined ? { description: asText(i.Description) } : {}),
        maxSessionDuration: typeof i.MaxSessionDuration === 'number' ? i.MaxSessionDuration : 3600,
        createDate: new Date(now()),
        trust,
        tags: new Map(tagList(i.Tags).map((t) => [t.Key, t.Value])),
        inline: new Map(),
        attached: [],
        ...(boundary ? { boundary } : {}),
      };
      a.roles.set(name, r);
      return { Role: roleView(r) };
    },
    DeleteRole: (i, acct) => {
      const a = account(acct);
      const r = getRole(acct, i.RoleName);
      if (r.inline.size || r.attached.length) throw deleteConflict('Cannot delete entity, must delete policies first.');
      if ([...a.instanceProfiles.values()].some((p) => p.roles.includes(r.roleName)))
        throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
      a.roles.delete(r.roleName);
      return {};
    },
    UpdateAssumeRolePolicy: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      const trust = String(i.PolicyDocument);
      checkTrust(trust);
      r.trust = trust;
      return {};
    },
    PutRolePermissionsBoundary: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      r.boundary = checkBoundary(acct, i.PermissionsBoundary);
      return {};
    },
    DeleteRolePermissionsBoundary: (i, acct) => {
      delete getRole(acct, i.RoleName).boundary;
      return {};
    },
    ListRolePolicies: (i, acct) => ({
      PolicyNames: [...getRole(acct, i.RoleName).inline.keys()].sort(),
      IsTruncated: false,
    }),
    GetRolePolicy: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      const doc = r.inline.get(String(i.PolicyName));
      if (doc === undefined) throw noSuchEntity(`The role policy with name ${String(i.PolicyName)} cannot be found.`);
      return { RoleName: r.roleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    },
    PutRolePolicy: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      const doc = String(i.PolicyDocument);
      try {
        JSON.parse(doc);
      } catch {
        throw new MalformedPolicyDocumentException({ message: 'Syntax errors in policy.', $metadata: meta(400) });
      }
      const others = [...r.inline].filter(([n]) => n !== i.PolicyName).reduce((n, [, d]) => n + size(d), 0);
      if (others + size(doc) > INLINE_AGGREGATE_LIMIT) {
        throw new LimitExceededException({
          message: `Maximum policy size of ${INLINE_AGGREGATE_LIMIT} bytes exceeded for role ${r.roleName}`,
          $metadata: meta(409),
        });
      }
      r.inline.set(String(i.PolicyName), doc);
      return {};
    },
    DeleteRolePolicy: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      if (!r.inline.delete(String(i.PolicyName)))
        throw noSuchEntity(`The role policy with name ${String(i.PolicyName)} cannot be found.`);
      return {};
    },
    ListAttachedRolePolicies: (i, acct) => ({
      AttachedPolicies: getRole(acct, i.RoleName).attached.map((arn) => ({
        PolicyArn: arn,
        PolicyName: arn.split('/').pop(),
      })),
      IsTruncated: false,
    }),
    AttachRolePolicy: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      if (!r.attached.includes(String(i.PolicyArn))) r.attached.push(String(i.PolicyArn));
      return {};
    },
    DetachRolePolicy: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      const idx = r.attached.indexOf(String(i.PolicyArn));
      if (idx < 0) throw noSuchEntity(`Policy ${String(i.PolicyArn)} was not found.`);
      r.attached.splice(idx, 1);
      return {};
    },
    TagRole: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      for (const t of tagList(i.Tags)) r.tags.set(t.Key, t.Value);
      if (r.tags.size > 50)
        throw new LimitExceededException({ message: 'A role can have at most 50 tags.', $metadata: meta(409) });
      return {};
    },
    UntagRole: (i, acct) => {
      const r = getRole(acct, i.RoleName);
      for (const k of asArray(i.TagKeys)) r.tags.delete(k);
      return {};
    },
    ListRoleTags: (i, acct) => ({
      Tags: [...getRole(acct, i.RoleName).tags].map(([Key, Value]) => ({ Key, Value })),
      IsTruncated: false,
    }),
    GetInstanceProfile: (i, acct) => {
      const a = account(acct);
      const p = a.instanceProfiles.get(String(i.InstanceProfileName));
      if (!p) throw noSuchEntity(`Instance Profile ${String(i.InstanceProfileName)} cannot be found.`);
      // Like IAM, GetInstanceProfile returns the profile's tags (the list calls do not).
      return {
        InstanceProfile: {
          ...profileView(p, a),
          ...(p.tags.size ? { Tags: [...p.tags].map(([Key, Value]) => ({ Key, Value })) } : {}),
        },
      };
    },
    CreateInstanceProfile: (i, acct) => {
      const a = account(acct);
      const name = String(i.InstanceProfileName);
      if (a.instanceProfiles.has(name)) throw alreadyExists(`Instance Profile ${name} already exists.`);
      const p: FakeInstanceProfile = {
        name,
        arn: `arn:${state.partition}:iam::${acct}:instance-profile/${name}`,
        roles: [],
        tags: new Map(tagList(i.Tags).map((t) => [t.Key, t.Value])),
      };
      a.instanceProfiles.set(name, p);
      return { InstanceProfile: profileView(p, a) };
    },
    TagInstanceProfile: (i, acct) => {
      const p = account(acct).instanceProfiles.get(String(i.InstanceProfileName));
      if (!p) throw noSuchEntity(`Instance Profile ${String(i.InstanceProfileName)} cannot be found.`);
      for (const t of tagList(i.Tags)) p.tags.set(t.Key, t.Value);
      return {};
    },
    DeleteInstanceProfile: (i, acct) => {
      const a = account(acct);
      const p = a.instanceProfiles.get(String(i.InstanceProfileName));
      if (!p) throw noSuchEntity(`Instance Profile ${String(i.InstanceProfileName)} cannot be found.`);
      if (p.roles.length) throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
      a.instanceProfiles.delete(p.name);
      return {};
    },
    AddRoleToInstanceProfile: (i, acct) => {
      const a = account(acct);
      const p = a.instanceProfiles.get(String(i.InstanceProfileName));
      if (!p) throw noSuchEntity(`Instance Profile ${String(i.InstanceProfileName)} cannot be found.`);
      getRole(acct, i.RoleName);
      if (p.roles.length >= 1) {
        throw new LimitExceededException({
          message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
          $metadata: meta(409),
        });
      }
      p.roles.push(String(i.RoleName));
      return {};
    },
    RemoveRoleFromInstanceProfile: (i, acct) => {
      const a = account(acct);
      const p = a.instanceProfiles.get(String(i.InstanceProfileName));
      if (!p) throw noSuchEntity(`Instance Profile ${String(i.InstanceProfileName)} cannot be found.`);
      const idx = p.roles.indexOf(String(i.RoleName));
      if (idx < 0)
        throw noSuchEntity(`The role with name ${String(i.RoleName)} cannot be found in the instance profile.`);
      p.roles.splice(idx, 1);
      return {};
    },
    ListInstanceProfilesForRole: (i, acct) => {
      const a = account(acct);
      getRole(acct, i.RoleName);
      return {
        InstanceProfiles: [...a.instanceProfiles.values()]
          .filter((p) => p.roles.includes(String(i.RoleName)))
          .map((p) => profileView(p, a)),
        IsTruncated: false,
      };
    },
  };

  const commands = {
    AddRoleToInstanceProfile: AddRoleToInstanceProfileCommand,
    AttachRolePolicy: AttachRolePolicyCommand,
    CreateInstanceProfile: CreateInstanceProfileCommand,
    CreateRole: CreateRoleCommand,
    DeleteInstanceProfile: DeleteInstanceProfileCommand,
    DeleteRole: DeleteRoleCommand,
    DeleteRolePolicy: DeleteRolePolicyCommand,
    DetachRolePolicy: DetachRolePolicyCommand,
    GetInstanceProfile: GetInstanceProfileCommand,
    GetRole: GetRoleCommand,
    GetRolePolicy: GetRolePolicyCommand,
    PutRolePermissionsBoundary: PutRolePermissionsBoundaryCommand,
    DeleteRolePermissionsBoundary: DeleteRolePermissionsBoundaryCommand,
    ListAttachedRolePolicies: ListAttachedRolePoliciesCommand,
    ListInstanceProfilesForRole: ListInstanceProfilesForRoleCommand,
    ListRolePolicies: ListRolePoliciesCommand,
    ListRoleTags: ListRoleTagsCommand,
    PutRolePolicy: PutRolePolicyCommand,
    RemoveRoleFromInstanceProfile: RemoveRoleFromInstanceProfileCommand,
    TagInstanceProfile: TagInstanceProfileCommand,
    TagRole: TagRoleCommand,
    UntagRole: UntagRoleCommand,
    UpdateAssumeRolePolicy: UpdateAssumeRolePolicyCommand,
  } as const;

  const iamMock = mockClient(IAMClient);
  const wire = () => {
    for (const [name, Command] of Object.entries(commands)) {
      const handler = iamHandlers[name]!;
      // aws-sdk-client-mock types the command union loosely; each entry is an IAM command class.
      iamMock.on(Command as typeof GetRoleCommand).callsFake((input: Record<string, unknown>, getClient) =>
        log.serve('iam', name, input, getClient, (caller) => {
          const denied = accessRoleGuard(name, input, caller);
          if (denied) throw denied;
          return handler(input, caller.accountId);
        }),
      );
    }
  };
  wire();
  return {
    reset() {
      iamMock.reset();
      wire();
    },
    restore: () => iamMock.restore(),
  };
}
