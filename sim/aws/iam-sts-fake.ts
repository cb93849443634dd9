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
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { boundaryPolicyName, DEFAULT_INSTALLATION } from '../../lib/roles/access-template';
import { MANAGED_TAG, TAG_PREFIX } from '../../lib/roles/tags';

/**
 * A stateful in-memory IAM + STS for tests and the sandbox. It stands in for AWS only: the service's own code runs
 * against it unchanged through real SDK clients whose `send` is replaced by aws-sdk-client-mock.
 *
 * Conventions shared with the other fakes: the account a client acts for is read from its credentials. Access keys
 * are `FAKE` + 12-digit account id + any suffix (e.g. FAKE444455556666A1); AssumeRole issues such keys for the target
 * account, GetCallerIdentity answers from the caller's key.
 *
 * The simulated StackSet (option `accessRole`): addAccount also deploys the dedicated access role and the
 * installation's boundary policy, optionally only after some denied attempts (the StackSet reaching a new account),
 * and a caller acting as the access role may only do what its policy allows (lib/roles/access-template.ts): our role
 * names; CreateRole only with that boundary and our ownership tag; trust and policy writes only on a role carrying the
 * boundary; tag writes only on a role already carrying our ownership tag, under our keys; never a boundary put or
 * removed, never AttachRolePolicy.
 *
 * Not modelled: IAM's eventual consistency, paths other than "/", SCPs. What real IAM returns
 * and this fake mirrors: documents URL-encoded on read, DeleteConflict when a role still has policies or profiles,
 * an instance profile holding at most one role, tags set on CreateRole / CreateInstanceProfile and returned by
 * GetRole / GetInstanceProfile, the 2,048-character trust and 10,240-character inline quotas.
 */

export interface FakeRole {
  roleName: string;
  arn: string;
  roleId: string;
  description?: string;
  maxSessionDuration: number;
  createDate: Date;
  /** Trust policy as sent (JSON text); returned URL-encoded like IAM does. */
  trust: string;
  tags: Map<string, string>;
  inline: Map<string, string>;
  attached: string[];
  /** Permissions boundary policy ARN. */
  boundary?: string;
}

export interface FakeInstanceProfile {
  name: string;
  arn: string;
  roles: string[];
  tags: Map<string, string>;
}

export interface FakeAccount {
  accountId: string;
  roles: Map<string, FakeRole>;
  instanceProfiles: Map<string, FakeInstanceProfile>;
  /** AssumeRole into this account is denied this many more times (a brand-new account settling). */
  notReadyAttempts: number;
  /** Customer managed policies (ARNs) that exist here, e.g. the boundary the simulated StackSet deploys. */
  policies: Set<string>;
  /** The simulated StackSet reaches this account after this many more AssumeRole attempts on the access role. */
  accessRolePending: number;
  /** AssumeRole into this account is denied until this time (the fake's clock, epoch ms): a brand-new account. */
  notReadyUntil?: number;
}

export interface FakeIdentity {
  accountId: string;
  /** IAM form of the principal (role or user ARN) that trust policies are matched against. */
  principalArn: string;
  /** What GetCallerIdentity reports (assumed-role session ARN for issued keys). */
  callerArn: string;
  /** Credentials issued by AssumeRole are role sessions: chaining caps them at 1 h. */
  session: boolean;
  expiresAt?: number;
}

export interface FakeCall {
  service: 'iam' | 'sts';
  command: string;
  accountId: string;
  input: Record<string, unknown>;
  write: boolean;
  error?: string;
}

export interface FakeState {
  partition: string;
  managementAccountId: string;
  accounts: Map<string, FakeAccount>;
  identities: Map<string, FakeIdentity>;
}

type ErrorFactory = Error | ((input: Record<string, unknown>, accountId: string) => Error | undefined);

export interface IamStsFakeOptions {
  managementAccountId?: string;
  partition?: string;
  /** Clock for issued credential expiry; default Date.now. */
  now?: () => number;
  /**
   * Simulated StackSet: the dedicated access role, trusting the service's own role, managing only these roles, for
   * one installation (its boundary and ownership tag; default veeam-org-sync). `others`: the access roles of further
   * installations in the same accounts (each with its own boundary), deployed beside it.
   */
  accessRole?: {
    roleName: string;
    manages: readonly string[];
    installationId?: string;
    others?: ReadonlyArray<{ roleName: string; installationId: string }>;
  };
}

export interface IamStsFake {
  state: FakeState;
  calls: FakeCall[];
  /**
   * Listeners called synchronously after every IAM/STS call has been applied (or has failed; `call.error` is then
   * set), before the caller sees the answer. Tests push a function here to check an invariant after each call.
   */
  afterCall: Array<(call: FakeCall) => void>;
  /** Write calls (Create/Put/Update/Delete/Tag/Untag/Attach/Detach/Add/Remove), optionally for one account. */
  writes(accountId?: string): FakeCall[];
  /** Calls of one command, optionally for one account. */
  callsOf(command: string, accountId?: string): FakeCall[];
  /** An account with its cross-account admin role(s) trusting the management account. */
  addAccount(
    accountId: string,
    opts?: {
      memberRoles?: string[];
      notReadyAttempts?: number;
      notReadyUntil?: number;
      accessRoleAfterAttempts?: number;
    },
  ): FakeAccount;
  /** What the StackSet deploys in one account: the boundary policy and the access role (option `accessRole`). */
  deployAccessRole(accountId: string): void;
  /** The service's own role ARN as the fake names it (the principal the access role trusts). */
  servicePrincipalArn(accountId?: string): string;
  /** A role put there by someone else (by hand, another tool): no tags unless given, trusting `trust`. */
  addRole(
    accountId: string,
    roleName: string,
    opts?: { trust?: unknown; tags?: Record<string, string>; attached?: string[] },
  ): FakeRole;
  account(accountId: string): FakeAccount;
  role(accountId: string, roleName: string): FakeRole | undefined;
  /** Parsed trust policy of a role (what IAM would return, decoded). */
  trustOf(accountId: string, roleName: string): unknown;
  /** Registers a principal (e.g. the appliance's impersonation role) and returns credentials that act as it. */
  credentialsFor(principalArn: string): { accessKeyId: string; secretAccessKey: string };
  /** Does the stored trust let `principal` (an IAM ARN, or a service like ec2.amazonaws.com) assume the role? */
  canAssume(accountId: string, roleName: string, principal: string, externalId?: string): boolean;
  /** The next `times` calls of `command` (e.g. 'CreateRole') fail with `error` (a factory may return undefined to pass). */
  failNext(command: string, error: ErrorFactory, times?: number): void;
  /** The next `times` calls of `command` fail with IAM's throttling error (400 Throttling: Rate exceeded). */
  throttle(command: string, times?: number): void;
  reset(): void;
  restore(): void;
}

const WRITE = /^(Create|Put|Update|Delete|Tag|Untag|Attach|Detach|AddRole|RemoveRole)/;
const KEY = /^FAKE(\d{12})/;
export const TRUST_POLICY_LIMIT = 2048;
export const INLINE_AGGREGATE_LIMIT = 10240;

const meta = (status: number) => ({ httpStatusCode: status, requestId: 'fake', attempts: 1, totalRetryDelay: 0 });
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

export function stsAccessDenied(message: string): Error {
  return new STSServiceException({ name: 'AccessDenied', $fault: 'client', message, $metadata: meta(403) });
}

const size = (text: string) => text.replace(/\s/g, '').length;

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const asArray = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(text) : [text(v)];

function accountOfPrincipal(arn: string): string | undefined {
  if (/^\d{12}$/.test(arn)) return arn;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

/** Evaluates the trust statements that matter for AssumeRole: Allow/Deny, Principal, sts:ExternalId conditions. */
export function trustAllows(trustText: string, principal: string, externalId: string | undefined): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(trustText) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(Boolean) as Array<
    Record<string, unknown>
  >;
  const isService = !principal.startsWith('arn:');
  const matches = (s: Record<string, unknown>): boolean => {
    if (!asArray(s.Action).some((a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()))) return false;
    const p = s.Principal;
    const listed = typeof p === 'string' ? { AWS: [p] } : ((p ?? {}) as Record<string, unknown>);
    const ok = isService
      ? asArray(listed.Service).includes(principal)
      : asArray(listed.AWS).some(
          (x) =>
            x === '*' ||
            x === principal ||
            (/(^\d{12}$)|(:root$)/.test(x) && accountOfPrincipal(x) === accountOfPrincipal(principal)),
        );
    if (!ok) return false;
    return conditionsHold(s.Condition, externalId);
  };
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}

function conditionsHold(condition: unknown, externalId: string | undefined): boolean {
  if (condition === undefined) return true;
  for (const [op, block] of Object.entries(condition as Record<string, Record<string, unknown>>)) {
    for (const [key, values] of Object.entries(block)) {
      // Only what a trust for an external party uses is understood; anything else fails closed.
      if (key.toLowerCase() !== 'sts:externalid') return false;
      const vals = asArray(values);
      if (op === 'StringEquals') {
        if (externalId === undefined || !vals.includes(externalId)) return false;
      } else if (op === 'StringLike') {
        const re = (v: string) =>
          new RegExp(
            `^${v
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
          );
        if (externalId === undefined || !vals.some((v) => re(v).test(externalId))) return false;
      } else return false;
    }
  }
  return true;
}

export function installIamStsFake(opts: IamStsFakeOptions = {}): IamStsFake {
  const now = opts.now ?? Date.now;
  const state: FakeState = {
    partition: opts.partition ?? 'aws',
    managementAccountId: opts.managementAccountId ?? '111111111111',
    accounts: new Map(),
    identities: new Map(),
  };
  const calls: FakeCall[] = [];
  const afterCall: Array<(call: FakeCall) => void> = [];
  const notify = (call: FakeCall) => {
    for (const listener of afterCall) listener(call);
  };
  const failures = new Map<string, Array<ErrorFactory>>();
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(6, '0')}`;

  const account = (accountId: string): FakeAccount => {
    let a = state.accounts.get(accountId);
    if (!a) {
      a = {
        accountId,
        roles: new Map(),
        instanceProfiles: new Map(),
        notReadyAttempts: 0,
        policies: new Set(),
        accessRolePending: 0,
      };
      state.accounts.set(accountId, a);
    }
    return a;
  };

  const identityOf = (accessKeyId: string): FakeIdentity => {
    const known = state.identities.get(accessKeyId);
    if (known) return known;
    const accountId = KEY.exec(accessKeyId)?.[1];
    if (!accountId)
      throw new Error(
        `iam-sts-fake: access key "${accessKeyId}" does not follow the FAKE<12-digit account> convention`,
      );
    // The service's own credentials: a Lambda execution role in the management (or any) account.
    const principalArn = `arn:${state.partition}:iam::${accountId}:role/veeam-org-sync`;
    return {
      accountId,
      principalArn,
      callerArn: `arn:${state.partition}:sts::${accountId}:assumed-role/veeam-org-sync/fake`,
      session: true,
    };
  };

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

  /** The installation each access role name acts for (option `accessRole` and its `others`). */
  const accessRoles = new Map<string, string>(
    opts.accessRole
      ? [
          [opts.accessRole.roleName, opts.accessRole.installationId ?? DEFAULT_INSTALLATION],
          ...(opts.accessRole.others ?? []).map((o) => [o.roleName, o.installationId] as [string, string]),
        ]
      : [],
  );
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
        ...(i.Description !== undefined ? { description: text(i.Description) } : {}),
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

  const canAssume = (accountId: string, roleName: string, principal: string, externalId?: string): boolean => {
    const r = state.accounts.get(accountId)?.roles.get(roleName);
    return !!r && trustAllows(r.trust, principal, externalId);
  };

  const stsHandlers: Record<string, (input: Record<string, unknown>, caller: FakeIdentity) => unknown> = {
    GetCallerIdentity: (_i, caller) => ({
      Account: caller.accountId,
      Arn: caller.callerArn,
      UserId: `AROAFAKE:${caller.accountId}`,
    }),
    AssumeRole: (i, caller) => {
      const roleArn = String(i.RoleArn);
      const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
      if (!m)
        throw new STSServiceException({
          name: 'ValidationError',
          $fault: 'client',
          message: `${roleArn} is invalid`,
          $metadata: meta(400),
        });
      const [, , target, roleName] = m as unknown as [string, string, string, string];
      const duration = typeof i.DurationSeconds === 'number' ? i.DurationSeconds : 3600;
      if (caller.session && duration > 3600) {
        throw new STSServiceException({
          name: 'ValidationError',
          $fault: 'client',
          message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
          $metadata: meta(400),
        });
      }
      const denied = () =>
        stsAccessDenied(
          `User: ${caller.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      const a = state.accounts.get(target);
      if (!a) throw denied();
      if (a.notReadyUntil !== undefined && now() < a.notReadyUntil) throw denied();
      if (opts.accessRole && roleName === opts.accessRole.roleName && a.accessRolePending > 0) {
        // The StackSet has not reached the account yet: the role is not there, which STS reports as AccessDenied.
        if (--a.accessRolePending === 0) fake.deployAccessRole(target);
        throw denied();
      }
      if (a.notReadyAttempts > 0) {
        a.notReadyAttempts--;
        throw denied();
      }
      if (
        !canAssume(target, roleName, caller.principalArn, typeof i.ExternalId === 'string' ? i.ExternalId : undefined)
      )
        throw denied();
      const accessKeyId = nextId(`FAKE${target}`);
      const expiresAt = now() + duration * 1000;
      const session = String(i.RoleSessionName);
      state.identities.set(accessKeyId, {
        accountId: target,
        principalArn: `arn:${state.partition}:iam::${target}:role/${roleName}`,
        callerArn: `arn:${state.partition}:sts::${target}:assumed-role/${roleName}/${session}`,
        session: true,
        expiresAt,
      });
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: 'fake-secret',
          SessionToken: `fake-token-${accessKeyId}`,
          Expiration: new Date(expiresAt),
        },
        AssumedRoleUser: {
          Arn: `arn:${state.partition}:sts::${target}:assumed-role/${roleName}/${session}`,
          AssumedRoleId: `AROAFAKE:${session}`,
        },
      };
    },
  };

  const injected = (command: string, input: Record<string, unknown>, accountId: string): Error | undefined => {
    const queue = failures.get(command);
    if (!queue?.length) return undefined;
    const f = queue.shift()!;
    return typeof f === 'function' ? f(input, accountId) : f;
  };

  async function callerOf(getClient: () => { config: { credentials: unknown } }): Promise<FakeIdentity> {
    const provider = getClient().config.credentials as
      (() => Promise<{ accessKeyId: string }>) | { accessKeyId: string };
    const creds = typeof provider === 'function' ? await provider() : provider;
    const id = identityOf(creds.accessKeyId);
    if (id.expiresAt !== undefined && now() >= id.expiresAt) {
      const err = new IAMServiceException({
        name: 'ExpiredToken',
        $fault: 'client',
        message: 'The security token included in the request is expired',
        $metadata: meta(403),
      });
      throw err;
    }
    return id;
  }

  const record = (
    service: 'iam' | 'sts',
    command: string,
    accountId: string,
    input: Record<string, unknown>,
  ): FakeCall => {
    const call: FakeCall = { service, command, accountId, input, write: service === 'iam' && WRITE.test(command) };
    calls.push(call);
    return call;
  };

  const iamMock = mockClient(IAMClient);
  const stsMock = mockClient(STSClient);
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

  const wire = () => {
    for (const [name, Command] of Object.entries(commands)) {
      const handler = iamHandlers[name]!;
      // aws-sdk-client-mock types the command union loosely; each entry is an IAM command class.
      iamMock.on(Command as typeof GetRoleCommand).callsFake(async (input: Record<string, unknown>, getClient) => {
        const caller = await callerOf(getClient);
        const call = record('iam', name, caller.accountId, input);
        try {
          const err = injected(name, input, caller.accountId) ?? accessRoleGuard(name, input, caller);
          if (err) throw err;
          return handler(input, caller.accountId);
        } catch (err) {
          call.error = (err as Error).name;
          throw err;
        } finally {
          notify(call);
        }
      });
    }
    for (const [name, Command] of [
      ['GetCallerIdentity', GetCallerIdentityCommand],
      ['AssumeRole', AssumeRoleCommand],
    ] as const) {
      stsMock.on(Command as typeof AssumeRoleCommand).callsFake(async (input: Record<string, unknown>, getClient) => {
        const caller = await callerOf(getClient);
        const call = record('sts', name, caller.accountId, input);
        try {
          const err = injected(name, input, caller.accountId);
          if (err) throw err;
          return stsHandlers[name]!(input, caller);
        } catch (err) {
          call.error = (err as Error).name;
          throw err;
        } finally {
          notify(call);
        }
      });
    }
  };
  wire();

  const fake: IamStsFake = {
    state,
    calls,
    afterCall,
    writes: (accountId) => calls.filter((c) => c.write && (accountId === undefined || c.accountId === accountId)),
    callsOf: (command, accountId) =>
      calls.filter((c) => c.command === command && (accountId === undefined || c.accountId === accountId)),
    addAccount(accountId, o = {}) {
      const a = account(accountId);
      a.notReadyAttempts = o.notReadyAttempts ?? 0;
      if (o.notReadyUntil !== undefined) a.notReadyUntil = o.notReadyUntil;
      const trust = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:${state.partition}:iam::${state.managementAccountId}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      });
      for (const roleName of o.memberRoles ?? ['OrganizationAccountAccessRole']) {
        fake.addRole(accountId, roleName, { trust, attached: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
      }
      if (opts.accessRole) {
        a.accessRolePending = o.accessRoleAfterAttempts ?? 0;
        if (a.accessRolePending === 0) fake.deployAccessRole(accountId);
      }
      return a;
    },
    deployAccessRole(accountId) {
      if (!opts.accessRole) throw new Error('iam-sts-fake: no accessRole option, so no simulated StackSet');
      for (const [roleName, installation] of accessRoles) {
        account(accountId).policies.add(
          `arn:${state.partition}:iam::${accountId}:policy/${boundaryPolicyName(installation)}`,
        );
        fake.addRole(accountId, roleName, {
          trust: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: fake.servicePrincipalArn() }, Action: 'sts:AssumeRole' }],
          },
        });
      }
    },
    servicePrincipalArn: (accountId = state.managementAccountId) =>
      `arn:${state.partition}:iam::${accountId}:role/veeam-org-sync`,
    addRole(accountId, roleName, o = {}) {
      const trust = o.trust ?? {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:${state.partition}:iam::${state.managementAccountId}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      };
      const role: FakeRole = {
        roleName,
        arn: `arn:${state.partition}:iam::${accountId}:role/${roleName}`,
        roleId: nextId('AROA'),
        maxSessionDuration: 3600,
        createDate: new Date(now()),
        trust: typeof trust === 'string' ? trust : JSON.stringify(trust),
        tags: new Map(Object.entries(o.tags ?? {})),
        inline: new Map(),
        attached: o.attached ?? [],
      };
      account(accountId).roles.set(roleName, role);
      return role;
    },
    account,
    role: (accountId, roleName) => state.accounts.get(accountId)?.roles.get(roleName),
    trustOf: (accountId, roleName) => {
      const r = state.accounts.get(accountId)?.roles.get(roleName);
      return r ? (JSON.parse(r.trust) as unknown) : undefined;
    },
    credentialsFor(principalArn) {
      const accountId = accountOfPrincipal(principalArn);
      if (!accountId) throw new Error(`iam-sts-fake: ${principalArn} is not an IAM ARN`);
      const accessKeyId = nextId(`FAKE${accountId}P`);
      const name = principalArn.split('/').pop() ?? 'principal';
      state.identities.set(accessKeyId, {
        accountId,
        principalArn,
        callerArn: principalArn.includes(':role/')
          ? `arn:${state.partition}:sts::${accountId}:assumed-role/${name}/fake`
          : principalArn,
        session: principalArn.includes(':role/'),
      });
      return { accessKeyId, secretAccessKey: 'fake-secret' };
    },
    canAssume,
    failNext(command, error, times = 1) {
      const q = failures.get(command) ?? [];
      for (let n = 0; n < times; n++) q.push(error);
      failures.set(command, q);
    },
    throttle(command, times = 1) {
      fake.failNext(command, () => throttlingError(), times);
    },
    reset() {
      state.accounts.clear();
      state.identities.clear();
      calls.length = 0;
      failures.clear();
      iamMock.reset();
      stsMock.reset();
      wire();
    },
    restore() {
      iamMock.restore();
      stsMock.restore();
    },
  };
  return fake;
}
