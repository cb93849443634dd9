import {
  AccountNotFoundException,
  ChildNotFoundException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribeOrganizationalUnitCommand,
  DescribeResourcePolicyCommand,
  InvalidInputException,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationalUnitNotFoundException,
  OrganizationsClient,
  ParentNotFoundException,
  ResourcePolicyNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import type {
  Account,
  AccountState,
  AccountStatus,
  DescribeAccountCommandInput,
  DescribeOrganizationalUnitCommandInput,
  ListAccountsCommandInput,
  ListAccountsForParentCommandInput,
  ListOrganizationalUnitsForParentCommandInput,
  ListParentsCommandInput,
  ListRootsCommandInput,
  ListDelegatedAdministratorsCommandInput,
  PolicyTypeStatus,
  PolicyType,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** The OrganizationalUnitId pattern of the API reference. */
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

/** The service's own MaxResults ceilings for the list calls the adapter makes. */
const API_MAX_RESULTS = 20;

type Command =
  | 'DescribeOrganization'
  | 'DescribeAccount'
  | 'ListParents'
  | 'ListAccounts'
  | 'ListAccountsForParent'
  | 'ListOrganizationalUnitsForParent'
  | 'DescribeOrganizationalUnit'
  | 'ListRoots'
  | 'ListAWSServiceAccessForOrganization'
  | 'ListDelegatedAdministrators'
  | 'DescribeResourcePolicy';

interface FakeAccount {
  name: string;
  state: AccountState;
  parentId: string;
}

export interface OrganizationsFakeOptions {
  rootId?: string;
  managementAccountId?: string;
  /** Smaller than the API's limit to exercise paging on small orgs; never above the API's limit. */
  pageSize?: number;
  /** Simulated round trip per call, in ms. */
  latencyMs?: number;
  /** Which status field responses carry: the newer State, the older Status, or both (today's API). */
  statusFields?: 'both' | 'State' | 'Status';
  /** Mock only this client instance instead of every OrganizationsClient. */
  client?: OrganizationsClient;
}

function throttled(): Error {
  return new TooManyRequestsException({
    message:
      "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
    $metadata: { httpStatusCode: 400 },
  });
}

/** Status the older field reports for each State (it has no CLOSED and no PENDING_ACTIVATION). */
function legacyStatus(state: AccountState): AccountStatus | undefined {
  if (state === 'CLOSED') return 'SUSPENDED';
  if (state === 'PENDING_ACTIVATION') return undefined;
  return state;
}

/**
 * A stateful AWS Organizations behind aws-sdk-client-mock: the code under test uses a real OrganizationsClient and
 * the fake answers its commands from an in-memory tree. Plain TypeScript (no jest), so the sandbox and the bench
 * can use it in a tsx process.
 */
export class OrganizationsFake {
  readonly rootId: string;
  managementAccountId: string;
  readonly calls: Record<Command, number> = {
    DescribeOrganization: 0,
    DescribeAccount: 0,
    ListParents: 0,
    ListAccounts: 0,
    ListAccountsForParent: 0,
    ListOrganizationalUnitsForParent: 0,
    DescribeOrganizationalUnit: 0,
    ListRoots: 0,
    ListAWSServiceAccessForOrganization: 0,
    ListDelegatedAdministrators: 0,
    DescribeResourcePolicy: 0,
  };
  /** Service principals with trusted access (EnableAWSServiceAccess / the StackSets console's "Activate"). */
  readonly serviceAccess = new Set<string>();
  /** Service principal -> accounts registered as its delegated administrator. */
  readonly delegatedAdministrators = new Map<string, Set<string>>();
  /** Policy types enabled on the root (EnablePolicyType); SCPs are enabled in most organizations. */
  readonly rootPolicyTypes = new Map<PolicyType, PolicyTypeStatus>();
  /** The organization's resource policy (PutResourcePolicy), as JSON text. */
  resourcePolicy: string | undefined;
  pageSize: number;
  latencyMs: number;
  readonly mock: AwsClientStub<OrganizationsClient>;

  private readonly statusFields: 'both' | 'State' | 'Status';
  private readonly accounts = new Map<string, FakeAccount>();
  /** OU id → parent id (root or OU). */
  private readonly ous = new Map<string, string>();
  /** Child lists per parent, rebuilt lazily after a change so paging over a big org stays cheap. */
  private listCache = new Map<string, string[]>();
  private failures: Array<{ remaining: number; command: Command | undefined; error: () => Error }> = [];
  private ouSeq = 0;
  private accountSeq = 0;

  constructor(options: OrganizationsFakeOptions = {}) {
    this.rootId = options.rootId ?? 'r-ab12';
    this.managementAccountId = options.managementAccountId ?? '100000000000';
    this.pageSize = Math.min(options.pageSize ?? API_MAX_RESULTS, API_MAX_RESULTS);
    this.latencyMs = options.latencyMs ?? 0;
    this.statusFields = options.statusFields ?? 'both';
    this.mock = mockClient(options.client ?? OrganizationsClient);
    this.wire();
  }

  get totalCalls(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  resetCalls(): void {
    for (const k of Object.keys(this.calls) as Command[]) this.calls[k] = 0;
  }

  /** RegisterDelegatedAdministrator. */
  registerDelegatedAdministrator(accountId: string, servicePrincipal: string): void {
    const accounts = this.delegatedAdministrators.get(servicePrincipal) ?? new Set<string>();
    accounts.add(accountId);
    this.delegatedAdministrators.set(servicePrincipal, accounts);
  }

  /** Stops intercepting OrganizationsClient. */
  restore(): void {
    this.mock.restore();
  }

  createOu(parentId: string = this.rootId, id?: string): string {
    this.assertParent(parentId);
    const ouId = id ?? `ou-ab12-${(this.ouSeq++).toString(36).padStart(8, '0')}`;
    this.ous.set(ouId, parentId);
    this.changed();
    return ouId;
  }

  createAccount(opts: { id?: string; name?: string; parentId?: string; state?: AccountState } = {}): string {
    const parentId = opts.parentId ?? this.rootId;
    this.assertParent(parentId);
    if (opts.id !== undefined && this.accounts.has(opts.id))
      throw new Error(`fake Organizations: account ${opts.id} exists`);
    let id = opts.id;
    while (id === undefined || this.accounts.has(id)) id = String(100000000001 + this.accountSeq++);
    this.accounts.set(id, { name: opts.name ?? `account-${id}`, state: opts.state ?? 'ACTIVE', parentId });
    this.changed();
    return id;
  }

  moveAccount(accountId: string, parentId: string): void {
    this.assertParent(parentId);
    this.account(accountId).parentId = parentId;
    this.changed();
  }

  setState(accountId: string, state: AccountState): void {
    this.account(accountId).state = state;
  }

  suspend(accountId: string): void {
    this.setState(accountId, 'SUSPENDED');
  }

  close(accountId: string): void {
    this.setState(accountId, 'CLOSED');
  }

  /** Deletes an OU, as DeleteOrganizationalUnit does: only when it holds no account and no OU. */
  deleteOu(ouId: string): void {
    if (!this.ous.has(ouId)) throw new Error(`fake Organizations: no OU ${ouId}`);
    if (this.accountIdsUnder(ouId).length || this.ouIdsUnder(ouId).length)
      throw new Error(`fake Organizations: OU ${ouId} is not empty`);
    this.ous.delete(ouId);
    this.changed();
  }

  /** The account left (or was removed from) the organization. */
  removeAccount(accountId: string): void {
    this.account(accountId);
    this.accounts.delete(accountId);
    this.changed();
  }

  /** The next `count` calls (of `command`, or of any command) fail with TooManyRequestsException. */
  throttleNext(count: number, command?: Command): void {
    this.failNext(count, throttled, command);
  }

  /** The next `count` calls (of `command`, or of any command) fail with a fresh `error()`. */
  failNext(count: number, error: () => Error, command?: Command): void {
    this.failures.push({ remaining: count, command, error });
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  private account(id: string): FakeAccount {
    const a = this.accounts.get(id);
    if (!a) throw new Error(`fake Organizations: no account ${id}`);
    return a;
  }

  private assertParent(id: string): void {
    if (id !== this.rootId && !this.ous.has(id)) throw new Error(`fake Organizations: no parent ${id}`);
  }

  private changed(): void {
    if (this.listCache.size) this.listCache = new Map();
  }

  private cached(key: string, build: () => string[]): string[] {
    let list = this.listCache.get(key);
    if (!list) {
      list = build();
      this.listCache.set(key, list);
    }
    return list;
  }

  private accountIdsUnder(parentId: string): string[] {
    return this.cached(`a:${parentId}`, () => {
      const ids: string[] = [];
      for (const [id, a] of this.accounts) if (a.parentId === parentId) ids.push(id);
      return ids;
    });
  }

  private ouIdsUnder(parentId: string): string[] {
    return this.cached(`o:${parentId}`, () => [...this.ous].filter(([, p]) => p === parentId).map(([id]) => id));
  }

  private toAccount(id: string, a: FakeAccount): Account {
    const status = legacyStatus(a.state);
    return {
      Id: id,
      Arn: `arn:aws:organizations::${this.managementAccountId}:account/o-fake/${id}`,
      Name: a.name,
      Email: `${id}@example.com`,
      ...(this.statusFields !== 'Status' ? { State: a.state } : {}),
      ...(this.statusFields !== 'State' && status ? { Status: status } : {}),
    };
  }

  /** Opaque to the client, like the real tokens; carries the list it belongs to so a mixed-up token fails loudly. */
  private page<T>(
    listKey: string,
    items: readonly T[],
    maxResults: number | undefined,
    token: string | undefined,
  ): { page: T[]; next?: string } {
    let start = 0;
    if (token) {
      const [key, offset] = Buffer.from(token, 'base64url').toString().split('|');
      if (key !== listKey)
        throw new InvalidInputException({
          message: 'The NextToken is not valid for this request.',
          $metadata: { httpStatusCode: 400 },
          Reason: 'INVALID_NEXT_TOKEN',
        });
      start = Number(offset);
    }
    if (maxResults !== undefined && (maxResults < 1 || maxResults > API_MAX_RESULTS)) {
      const Reason = maxResults < 1 ? 'MIN_VALUE_EXCEEDED' : 'MAX_VALUE_EXCEEDED';
      throw new InvalidInputException({
        message: `MaxResults must be between 1 and ${API_MAX_RESULTS}.`,
        $metadata: { httpStatusCode: 400 },
        Reason,
      });
    }
    const size = Math.min(maxResults ?? this.pageSize, this.pageSize);
    const end = start + size;
    const page = items.slice(start, end);
    return end < items.length ? { page, next: Buffer.from(`${listKey}|${end}`).toString('base64url') } : { page };
  }

  private async enter(command: Command): Promise<void> {
    this.calls[command]++;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const f = this.failures.find((x) => x.remaining > 0 && (x.command === undefined || x.command === command));
    if (f) {
      f.remaining--;
      this.failures = this.failures.filter((x) => x.remaining > 0);
      throw f.error();
    }
  }

  private wire(): void {
    this.mock.on(DescribeOrganizationCommand).callsFake(async () => {
      await this.enter('DescribeOrganization');
      return { Organization: { Id: 'o-fake', MasterAccountId: this.managementAccountId, FeatureSet: 'ALL' } };
    });

    this.mock.on(DescribeAccountCommand).callsFake(async (input: DescribeAccountCommandInput) => {
      await this.enter('DescribeAccount');
      const a = input.AccountId ? this.accounts.get(input.AccountId) : undefined;
      if (!input.AccountId || !a) {
        throw new AccountNotFoundException({
          message: "You specified an account that doesn't exist.",
          $metadata: { httpStatusCode: 400 },
        });
      }
      return { Account: this.toAccount(input.AccountId, a) };
    });

    this.mock.on(ListParentsCommand).callsFake(async (input: ListParentsCommandInput) => {
      await this.enter('ListParents');
      const id = input.ChildId ?? '';
      const parent = this.accounts.get(id)?.parentId ?? this.ous.get(id);
      if (!parent)
        throw new ChildNotFoundException({
          message: "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
          $metadata: { httpStatusCode: 400 },
        });
      return { Parents: [{ Id: parent, Type: parent === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
    });

    this.mock.on(DescribeOrganizationalUnitCommand).callsFake(async (input: DescribeOrganizationalUnitCommandInput) => {
      await this.enter('DescribeOrganizationalUnit');
      const id = input.OrganizationalUnitId ?? '';
      if (!OU_ID.test(id))
        throw new InvalidInputException({
          message: 'You provided a value that does not match the required pattern.',
          $metadata: { httpStatusCode: 400 },
          Reason: 'INVALID_PATTERN',
        });
      if (!this.ous.has(id))
        throw new OrganizationalUnitNotFoundException({
          message: "We can't find an organizational unit (OU) with the OrganizationalUnitId that you specified.",
          $metadata: { httpStatusCode: 400 },
        });
      return {
        OrganizationalUnit: {
          Id: id,
          Name: id,
          Arn: `arn:aws:organizations::${this.managementAccountId}:ou/o-fake/${id}`,
        },
      };
    });

    this.mock.on(ListRootsCommand).callsFake(async (input: ListRootsCommandInput) => {
      await this.enter('ListRoots');
      const { page, next } = this.page('roots', [this.rootId], input.MaxResults, input.NextToken);
      return {
        Roots: page.map((id) => ({
          Id: id,
          Name: 'Root',
          Arn: `arn:aws:organizations::${this.managementAccountId}:root/o-fake/${id}`,
          PolicyTypes: [...this.rootPolicyTypes].map(([Type, Status]) => ({ Type, Status })),
        })),
        NextToken: next,
      };
    });

    this.mock.on(ListAWSServiceAccessForOrganizationCommand).callsFake(async () => {
      await this.enter('ListAWSServiceAccessForOrganization');
      return {
        EnabledServicePrincipals: [...this.serviceAccess].map((ServicePrincipal) => ({
          ServicePrincipal,
          DateEnabled: new Date('2026-01-01T00:00:00Z'),
        })),
      };
    });

    this.mock
      .on(ListDelegatedAdministratorsCommand)
      .callsFake(async (input: ListDelegatedAdministratorsCommandInput) => {
        await this.enter('ListDelegatedAdministrators');
        const ids = input.ServicePrincipal
          ? [...(this.delegatedAdministrators.get(input.ServicePrincipal) ?? [])]
          : [...new Set([...this.delegatedAdministrators.values()].flatMap((s) => [...s]))];
        return {
          DelegatedAdministrators: ids.map((Id) => ({
            Id,
            Arn: `arn:aws:organizations::${this.managementAccountId}:account/o-fake/${Id}`,
            Name: this.accounts.get(Id)?.name ?? `account-${Id}`,
            State: 'ACTIVE',
          })),
        };
      });

    this.mock.on(DescribeResourcePolicyCommand).callsFake(async () => {
      await this.enter('DescribeResourcePolicy');
      if (this.resourcePolicy === undefined)
        throw new ResourcePolicyNotFoundException({
          message: "We can't find a resource policy request with the parameter that you specified.",
          $metadata: { httpStatusCode: 400 },
        });
      return {
        ResourcePolicy: {
          ResourcePolicySummary: {
            Id: 'rp-fake1234',
            Arn: `arn:aws:organizations::${this.managementAccountId}:resourcepolicy/o-fake/rp-fake1234`,
          },
          Content: this.resourcePolicy,
        },
      };
    });

    this.mock.on(ListAccountsCommand).callsFake(async (input: ListAccountsCommandInput) => {
      await this.enter('ListAccounts');
      const ids = this.cached('all', () => [...this.accounts.keys()]);
      const { page, next } = this.page('all', ids, input.MaxResults, input.NextToken);
      return { Accounts: page.map((id) => this.toAccount(id, this.account(id))), NextToken: next };
    });

    this.mock.on(ListAccountsForParentCommand).callsFake(async (input: ListAccountsForParentCommandInput) => {
      await this.enter('ListAccountsForParent');
      const parentId = this.existingParent(input.ParentId);
      const { page, next } = this.page(
        `a:${parentId}`,
        this.accountIdsUnder(parentId),
        input.MaxResults,
        input.NextToken,
      );
      return { Accounts: page.map((id) => this.toAccount(id, this.account(id))), NextToken: next };
    });

    this.mock
      .on(ListOrganizationalUnitsForParentCommand)
      .callsFake(async (input: ListOrganizationalUnitsForParentCommandInput) => {
        await this.enter('ListOrganizationalUnitsForParent');
        const parentId = this.existingParent(input.ParentId);
        const { page, next } = this.page(`o:${parentId}`, this.ouIdsUnder(parentId), input.MaxResults, input.NextToken);
        return {
          OrganizationalUnits: page.map((id) => ({
            Id: id,
            Name: id,
            Arn: `arn:aws:organizations::${this.managementAccountId}:ou/o-fake/${id}`,
          })),
          NextToken: next,
        };
      });
  }

  private existingParent(id: string | undefined): string {
    if (id && (id === this.rootId || this.ous.has(id))) return id;
    throw new ParentNotFoundException({
      message: "We can't find a root or OU with the ParentId that you specified.",
      $metadata: { httpStatusCode: 400 },
    });
  }
}

export interface BuildOrgOptions extends OrganizationsFakeOptions {
  /** Member accounts, the management account not counted. */
  accounts: number;
  /** Levels of OUs below the root (Organizations allows five). */
  ousDepth?: number;
  /** OUs per parent at each level. */
  ousPerLevel?: number;
}

export interface BuiltOrg {
  fake: OrganizationsFake;
  /** OU ids per level, level 0 directly under the root. */
  ouLevels: string[][];
  /** Member account i has id 100000000001 + i. */
  accountId(i: number): string;
}

/**
 * A deterministic organization of any size: the management account (100000000000) under the root, members spread
 * round-robin over the deepest OUs. Only ids, names and parents are stored; responses are built per call.
 */
export function buildOrg(options: BuildOrgOptions): BuiltOrg {
  const fake = new OrganizationsFake(options);
  fake.createAccount({ id: fake.managementAccountId, name: 'management', parentId: fake.rootId });
  const depth = options.ousDepth ?? 2;
  const perLevel = options.ousPerLevel ?? 3;
  const ouLevels: string[][] = [];
  let parents = [fake.rootId];
  for (let level = 0; level < depth; level++) {
    const ids: string[] = [];
    for (const p of parents) for (let k = 0; k < perLevel; k++) ids.push(fake.createOu(p));
    ouLevels.push(ids);
    parents = ids;
  }
  const leaves = parents;
  const accountId = (i: number): string => String(100000000001 + i);
  for (let i = 0; i < options.accounts; i++) {
    fake.createAccount({ id: accountId(i), name: `member-${i}`, parentId: leaves[i % leaves.length]! });
  }
  return { fake, ouLevels, accountId };
}
