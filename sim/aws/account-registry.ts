import { boundaryPolicyName, DEFAULT_INSTALLATION } from '../../lib/roles/access-template';

/**
 * What the IAM and STS fakes share: the accounts with their roles, instance profiles and managed policies (IAM
 * writes them, STS AssumeRole checks a role's trust against them), the credentials issued to callers (STS issues
 * them, both services read the caller from them), the clock and the simulated StackSet.
 *
 * Conventions shared with the other fakes: the account a client acts for is read from its credentials. Access keys
 * are `FAKE` + 12-digit account id + any suffix (e.g. FAKE444455556666A1); AssumeRole issues such keys for the target
 * account, GetCallerIdentity answers from the caller's key.
 *
 * The simulated StackSet (option `accessRole`): addAccount also deploys the dedicated access role and the
 * installation's boundary policy, optionally only after some denied attempts (the StackSet reaching a new account).
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

export interface FakeState {
  partition: string;
  managementAccountId: string;
  accounts: Map<string, FakeAccount>;
  identities: Map<string, FakeIdentity>;
}

export interface AccountRegistryOptions {
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

export interface AccountRegistry {
  readonly state: FakeState;
  readonly options: AccountRegistryOptions;
  now: () => number;
  /** The installation each access role name acts for (option `accessRole` and its `others`). */
  readonly accessRoles: ReadonlyMap<string, string>;
  /** A fresh id with this prefix (role ids, issued access keys). */
  nextId: (prefix: string) => string;
  /** The caller behind an access key: one STS issued, one registered by credentialsFor, or the service's own. */
  identityOf: (accessKeyId: string) => FakeIdentity;
  /** An account with its cross-account admin role(s) trusting the management account. */
  addAccount: (
    accountId: string,
    opts?: {
      memberRoles?: string[];
      notReadyAttempts?: number;
      notReadyUntil?: number;
      accessRoleAfterAttempts?: number;
    },
  ) => FakeAccount;
  /** What the StackSet deploys in one account: the boundary policy and the access role (option `accessRole`). */
  deployAccessRole: (accountId: string) => void;
  /** The service's own role ARN as the fake names it (the principal the access role trusts). */
  servicePrincipalArn: (accountId?: string) => string;
  /** A role put there by someone else (by hand, another tool): no tags unless given, trusting `trust`. */
  addRole: (
    accountId: string,
    roleName: string,
    opts?: { trust?: unknown; tags?: Record<string, string>; attached?: string[] },
  ) => FakeRole;
  /** The account, created empty on first use. */
  account: (accountId: string) => FakeAccount;
  role: (accountId: string, roleName: string) => FakeRole | undefined;
  /** Parsed trust policy of a role (what IAM would return, decoded). */
  trustOf: (accountId: string, roleName: string) => unknown;
  /** Registers a principal (e.g. the appliance's impersonation role) and returns credentials that act as it. */
  credentialsFor: (principalArn: string) => { accessKeyId: string; secretAccessKey: string };
  /** Forgets every account and issued credential. */
  clear: () => void;
}

const KEY = /^FAKE(\d{12})/;

/** A request or policy value as text: strings as they are, anything else as JSON. */
export const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
/** A one-or-many value of a policy or request (Action, Principal, TagKeys) as a list of strings. */
export const asArray = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(asText) : [asText(v)];

/** The account of a principal given as an account id or an IAM/STS ARN. */
export function accountOfPrincipal(arn: string): string | undefined {
  if (/^\d{12}$/.test(arn)) return arn;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

export function createAccountRegistry(opts: AccountRegistryOptions = {}): AccountRegistry {
  const now = opts.now ?? Date.now;
  const state: FakeState = {
    partition: opts.partition ?? 'aws',
    managementAccountId: opts.managementAccountId ?? '111111111111',
    accounts: new Map(),
    identities: new Map(),
  };
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(6, '0')}`;
  const accessRoles = new Map<string, string>(
    opts.accessRole
      ? [
          [opts.accessRole.roleName, opts.accessRole.installationId ?? DEFAULT_INSTALLATION],
          ...(opts.accessRole.others ?? []).map((o) => [o.roleName, o.installationId] as [string, string]),
        ]
      : [],
  );
  const managementTrust = () => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:${state.partition}:iam::${state.managementAccountId}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });

  const registry: AccountRegistry = {
    state,
    options: opts,
    now,
    accessRoles,
    nextId,
    identityOf(accessKeyId) {
      const known = state.identities.get(accessKeyId);
      if (known) return known;
      const accountId = KEY.exec(accessKeyId)?.[1];
      if (!accountId)
        throw new Error(
          `iam-sts fake: access key "${accessKeyId}" does not follow the FAKE<12-digit account> convention`,
        );
      // The service's own credentials: a Lambda execution role in the management (or any) account.
      const principalArn = `arn:${state.partition}:iam::${accountId}:role/veeam-org-sync`;
      return {
        accountId,
        principalArn,
        callerArn: `arn:${state.partition}:sts::${accountId}:assumed-role/veeam-org-sync/fake`,
        session: true,
      };
    },
    account(accountId) {
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
    },
    addAccount(accountId, o = {}) {
      const a = registry.account(accountId);
      a.notReadyAttempts = o.notReadyAttempts ?? 0;
      if (o.notReadyUntil !== undefined) a.notReadyUntil = o.notReadyUntil;
      const trust = JSON.stringify(managementTrust());
      for (const roleName of o.memberRoles ?? ['OrganizationAccountAccessRole']) {
        registry.addRole(accountId, roleName, { trust, attached: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
      }
      if (opts.accessRole) {
        a.accessRolePending = o.accessRoleAfterAttempts ?? 0;
        if (a.accessRolePending === 0) registry.deployAccessRole(accountId);
      }
      return a;
    },
    deployAccessRole(accountId) {
      if (!opts.accessRole) throw new Error('iam-sts fake: no accessRole option, so no simulated StackSet');
      for (const [roleName, installation] of accessRoles) {
        registry
          .account(accountId)
          .policies.add(`arn:${state.partition}:iam::${accountId}:policy/${boundaryPolicyName(installation)}`);
        registry.addRole(accountId, roleName, {
          trust: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { AWS: registry.servicePrincipalArn() }, Action: 'sts:AssumeRole' },
            ],
          },
        });
      }
    },
    servicePrincipalArn: (accountId = state.managementAccountId) =>
      `arn:${state.partition}:iam::${accountId}:role/veeam-org-sync`,
    addRole(accountId, roleName, o = {}) {
      const trust = o.trust ?? managementTrust();
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
      registry.account(accountId).roles.set(roleName, role);
      return role;
    },
    role: (accountId, roleName) => state.accounts.get(accountId)?.roles.get(roleName),
    trustOf: (accountId, roleName) => {
      const r = state.accounts.get(accountId)?.roles.get(roleName);
      return r ? (JSON.parse(r.trust) as unknown) : undefined;
    },
    credentialsFor(principalArn) {
      const accountId = accountOfPrincipal(principalArn);
      if (!accountId) throw new Error(`iam-sts fake: ${principalArn} is not an IAM ARN`);
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
    clear() {
      state.accounts.clear();
      state.identities.clear();
    },
  };
  return registry;
}
