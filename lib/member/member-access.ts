import type { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { iamClientForCredentials } from '../aws/iam-client';
import { stsClient } from '../aws/sts-client';
import type { Config } from '../config';
import { IamRoleStore } from '../roles/iam-role-store';
import type { Sleep } from '../util/sleep';
import { clock } from '../util/clock';
import type { RoleIam } from '../roles/types';
import type { MemberAccess } from './types';
import { assumeInto } from './assume';
import { CredentialCache } from './credential-cache';
import { memoUntilFailure } from '../util/memo-until-failure';
import { boundaryPolicyArn } from '../roles/access-template';
import { memberRoleNamesFor } from './access-role';
import { AccessRoleMissingError } from './errors';

export interface MemberAccessOptions {
  config: Pick<
    Config,
    'memberRoleNames' | 'region' | 'veeamPrincipalArn' | 'memberAccess' | 'accessRoleName' | 'installationId'
  >;
  /** STS with the service's own credentials (default: the container's shared client). */
  sts?: STSClient;
  /** Builds an IAM client for assumed credentials (default: iamClientForCredentials in config.region). */
  iamFor?: (credentials: AwsCredentialIdentity) => IAMClient;
  /** Names the session in member-account CloudTrail: veeam-org-sync-<purpose>. */
  purpose?: string;
  sleep?: Sleep;
  now?: () => number;
  /** Time spent retrying AccessDenied in one call before giving the account back to the queue. */
  accessDeniedBudgetMs?: number;
  accessDeniedFirstDelayMs?: number;
  /** Jitter source for those retries (default Math.random). */
  random?: () => number;
}

interface Identity {
  partition: string;
}

/**
 * Per-account IAM clients kept for reuse. Each is a full SDK client with its own connection pool, so an unbounded
 * cache grows with every account a container ever touches (the CLI converging 10,000 accounts, a warm worker);
 * beyond this many the least recently used is dropped (not destroyed: it may still be in use). Above the largest
 * SYNC_CONCURRENCY, so accounts being converged keep theirs.
 */
const MAX_CACHED_STORES = 128;

/** Gets into member accounts; one per container so the caller identity and credentials are cached across invocations. */
export class StsMemberAccess implements MemberAccess {
  private readonly cache: CredentialCache;
  private readonly stores = new Map<string, { credentials: AwsCredentialIdentity | undefined; store: RoleIam }>();
  private readonly identity = memoUntilFailure(async (): Promise<Identity> => {
    const res = await this.sts().send(new GetCallerIdentityCommand({}));
    return { partition: res.Arn?.split(':')[1] || 'aws' };
  });
  private readonly now: () => number;

  constructor(private readonly o: MemberAccessOptions) {
    this.now = o.now ?? clock.now;
    this.cache = new CredentialCache(this.now);
  }

  private sts(): STSClient {
    return this.o.sts ?? stsClient();
  }

  /** Own account and partition, from a single GetCallerIdentity per container. */
  private callerIdentity(): Promise<Identity> {
    return this.identity.get();
  }

  /**
   * Credentials in an account: always through the member role, the management account and the service's own account
   * included (a role trusting the caller by ARN can be assumed from its own account). The functions hold no IAM
   * permission of their own on any role, so nothing they do escapes the access role's limits and its boundary.
   */
  private async credentials(accountId: string): Promise<AwsCredentialIdentity> {
    const me = await this.callerIdentity();
    const dedicated = this.o.config.memberAccess === 'dedicated';
    return this.cache.get(accountId, async () => {
      const { credentials } = await assumeInto({
        sts: this.sts(),
        accountId,
        partition: me.partition,
        roleNames: memberRoleNamesFor(this.o.config),
        sessionName: `veeam-org-sync-${this.o.purpose ?? 'roles'}`.slice(0, 64),
        sleep: this.o.sleep ?? clock.sleep,
        now: this.now,
        // A missing access role lasts minutes (until the StackSet reaches the account): one attempt, then the
        // queue's short backoff, rather than holding the Lambda in a sleep.
        budgetMs: dedicated ? 0 : (this.o.accessDeniedBudgetMs ?? 20_000),
        firstDelayMs: this.o.accessDeniedFirstDelayMs ?? 1_000,
        ...(dedicated
          ? { deniedError: (cause) => new AccessRoleMissingError(accountId, this.o.config.accessRoleName, { cause }) }
          : {}),
        ...(this.o.random ? { random: this.o.random } : {}),
      });
      return credentials;
    });
  }

  async roles(accountId: string): Promise<RoleIam> {
    const me = await this.callerIdentity();
    const credentials = await this.credentials(accountId);
    const known = this.stores.get(accountId);
    // A new IAM client only when the credentials were renewed; the client keeps its connections otherwise.
    if (known && known.credentials === credentials) {
      // Most recently used last (a Map iterates in insertion order).
      this.stores.delete(accountId);
      this.stores.set(accountId, known);
      return known.store;
    }
    const iam = (
      this.o.iamFor ?? ((c: AwsCredentialIdentity) => iamClientForCredentials(c, { region: this.o.config.region }))
    )(credentials);
    const store = new IamRoleStore(accountId, iam, {
      principalArn: this.o.config.veeamPrincipalArn,
      partition: me.partition,
      // Roles created through the access role carry this installation's boundary, deployed beside it.
      ...(this.o.config.memberAccess === 'dedicated'
        ? { permissionsBoundaryArn: boundaryPolicyArn(me.partition, accountId, this.o.config.installationId) }
        : {}),
    });
    this.stores.delete(accountId);
    this.stores.set(accountId, { credentials, store });
    for (const oldest of this.stores.keys()) {
      if (this.stores.size <= MAX_CACHED_STORES) break;
      this.stores.delete(oldest);
    }
    return store;
  }
}

/** Member access built at once (the worker bundles it: every message enters an account). */
export const stsMemberAccess = (options: MemberAccessOptions): MemberAccess => new StsMemberAccess(options);
