import { InvariantError } from '../errors';
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribeOrganizationalUnitCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { Account, OrganizationsClient } from '@aws-sdk/client-organizations';
import { organizationsClient } from '../aws/organizations-client';
import { memoUntilFailure } from '../util/memo-until-failure';
import type { OrgAccount, Organization } from './types';
import { DEFAULT_THROTTLE_RETRY, withThrottleRetry } from './throttle';
import type { ThrottleRetryOptions } from './throttle';

/** The largest page the API accepts for the list calls we make; fewer pages means fewer throttled calls. */
const PAGE_SIZE = 20;
/**
 * Parents walked at once, one call in flight each. Organizations throttles its read APIs per account at a few requests
 * per second sustained with bursts above that; 4 stays in the range the SDK's and withThrottleRetry's backoff absorb.
 */
const WALK_CONCURRENCY = 4;

export interface AwsOrganizationOptions {
  client?: OrganizationsClient;
  retry?: Partial<ThrottleRetryOptions>;
}

function toOrgAccount(a: Account): OrgAccount {
  // State is the newer field (it adds CLOSED and PENDING_ACTIVATION); Status is what older responses carry.
  return { id: a.Id ?? '', name: a.Name ?? '', status: a.State ?? a.Status ?? 'UNKNOWN' };
}

export class AwsOrganization implements Organization {
  private readonly client: OrganizationsClient;
  private readonly retry: ThrottleRetryOptions;
  private readonly managementId = memoUntilFailure(() => this.fetchManagementId());
  /**
   * OU → parent. Organizations has no API to move an OU, so an OU's parent never changes and the cache can live as
   * long as the container. Accounts do move, so their own parent is always asked afresh.
   */
  private readonly ouParents = new Map<string, string>();
  /** Roots and OUs seen to exist: a deleted one is not cached, so the check keeps asking until the config is fixed. */
  private readonly existingParents = new Set<string>();

  constructor(options: AwsOrganizationOptions = {}) {
    this.client = options.client ?? organizationsClient();
    this.retry = { ...DEFAULT_THROTTLE_RETRY, ...options.retry };
  }

  managementAccountId(): Promise<string> {
    // A failed lookup is forgotten, or one throttled cold start would poison the container.
    return this.managementId.get();
  }

  private async fetchManagementId(): Promise<string> {
    const out = await this.call('DescribeOrganization', () => this.client.send(new DescribeOrganizationCommand({})));
    const id = out.Organization?.MasterAccountId;
    if (!id) throw new InvariantError('DescribeOrganization returned no management account id');
    return id;
  }

  async describeAccount(accountId: string): Promise<OrgAccount | undefined> {
    try {
      const out = await this.call('DescribeAccount', () =>
        this.client.send(new DescribeAccountCommand({ AccountId: accountId })),
      );
      return out.Account ? toOrgAccount(out.Account) : undefined;
    } catch (err) {
      if (err instanceof Error && err.name === 'AccountNotFoundException') return undefined;
      throw err;
    }
  }

  /** [] when the account is not in the organization (ChildNotFoundException). */
  async ancestors(accountId: string): Promise<string[]> {
    let parent: string | undefined;
    try {
      parent = await this.parentOf(accountId);
    } catch (err) {
      if (err instanceof Error && err.name === 'ChildNotFoundException') return [];
      throw err;
    }
    const chain: string[] = [];
    while (parent) {
      chain.push(parent);
      if (parent.startsWith('r-')) break;
      let next = this.ouParents.get(parent);
      if (next === undefined) {
        next = await this.parentOf(parent);
        if (next) this.ouParents.set(parent, next);
      }
      parent = next;
    }
    return chain;
  }

  async missingParents(parentIds: readonly string[]): Promise<string[]> {
    const unknown = parentIds.filter((id) => !this.existingParents.has(id));
    if (unknown.length === 0) return [];
    if (unknown.some((id) => id.startsWith('r-'))) {
      // Roots have no Describe call; an organization has one root, so one ListRoots page answers for all.
      let token: string | undefined;
      do {
        const out = await this.call('ListRoots', () => this.client.send(new ListRootsCommand({ NextToken: token })));
        for (const r of out.Roots ?? []) if (r.Id) this.existingParents.add(r.Id);
        token = out.NextToken;
      } while (token);
    }
    const missing: string[] = [];
    for (const id of unknown) {
      if (id.startsWith('r-')) {
        if (!this.existingParents.has(id)) missing.push(id);
        continue;
      }
      try {
        await this.call('DescribeOrganizationalUnit', () =>
          this.client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id })),
        );
        this.existingParents.add(id);
      } catch (err) {
        if (err instanceof Error && err.name === 'OrganizationalUnitNotFoundException') missing.push(id);
        else throw err;
      }
    }
    return missing;
  }

  listAccountsUnder(parentIds: string[]): AsyncIterable<OrgAccount> {
    if (parentIds.length === 0) return this.allAccounts();
    return this.accountsUnder(parentIds);
  }

  private async *allAccounts(): AsyncGenerator<OrgAccount> {
    let token: string | undefined;
    do {
      const out = await this.call('ListAccounts', () =>
        this.client.send(new ListAccountsCommand({ MaxResults: PAGE_SIZE, NextToken: token })),
      );
      for (const a of out.Accounts ?? []) yield toOrgAccount(a);
      token = out.NextToken;
    } while (token);
  }

  /**
   * Breadth first over the OU tree, WALK_CONCURRENCY parents at a time (each parent's pages are sequential), so a
   * wide organization is read in a fraction of the sequential time while Organizations sees at most that many calls
   * in flight; a throttled call is retried by withThrottleRetry like any other. The accounts are collected (about
   * 100 bytes each) and then yielded.
   */
  private async *accountsUnder(parentIds: string[]): AsyncGenerator<OrgAccount> {
    // Overlapping scopes (an OU and one of its children both listed) must not yield an account twice; remembering
    // OUs, not accounts, keeps this small.
    const visited = new Set<string>();
    const pending = [...parentIds];
    const found: OrgAccount[] = [];
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let failed = false;
      const pump = () => {
        while (!failed && active < WALK_CONCURRENCY && pending.length) {
          const id = pending.shift()!;
          if (visited.has(id)) continue;
          visited.add(id);
          active++;
          this.visit(id, found, pending).then(
            () => {
              active--;
              pump();
            },
            (err: unknown) => {
              failed = true;
              reject(err instanceof Error ? err : new Error(String(err)));
            },
          );
        }
        if (!failed && active === 0 && pending.length === 0) resolve();
      };
      pump();
    });
    yield* found;
  }

  /** One parent: its child OUs first (so their walks can start), then its accounts. */
  private async visit(parentId: string, found: OrgAccount[], pending: string[]): Promise<void> {
    let token: string | undefined;
    do {
      const out = await this.call('ListOrganizationalUnitsForParent', () =>
        this.client.send(
          new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, MaxResults: PAGE_SIZE, NextToken: token }),
        ),
      );
      for (const ou of out.OrganizationalUnits ?? []) {
        if (!ou.Id) continue;
        // Learned for free here; saves ListParents calls when ancestors() is asked later.
        this.ouParents.set(ou.Id, parentId);
        pending.push(ou.Id);
      }
      token = out.NextToken;
    } while (token);

    token = undefined;
    do {
      const out = await this.call('ListAccountsForParent', () =>
        this.client.send(
          new ListAccountsForParentCommand({ ParentId: parentId, MaxResults: PAGE_SIZE, NextToken: token }),
        ),
      );
      for (const a of out.Accounts ?? []) found.push(toOrgAccount(a));
      token = out.NextToken;
    } while (token);
  }

  private async parentOf(childId: string): Promise<string | undefined> {
    const out = await this.call('ListParents', () => this.client.send(new ListParentsCommand({ ChildId: childId })));
    return out.Parents?.[0]?.Id;
  }

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withThrottleRetry(operation, fn, this.retry);
  }
}
