import type { Owner } from '../ownership';

/** A role Veeam needs in every member account, as data. One file per blueprint under lib/roles/blueprints/. */
export interface RoleBlueprint {
  /** Stable key: used in tags and in the Veeam entry name (`<accountId>-<key>`). */
  key: string;
  /** IAM role name (from BACKUP_ROLE_NAME / WORKER_ROLE_NAME). */
  roleName: string;
  /**
   * INSTALLATION_ID: the installation that owns what is made from this blueprint. Written into the role's and
   * instance profile's ownership tag and into the marker of the Veeam entry registered for the role.
   */
  installationId: string;
  description: string;
  /** Veeam Backup for AWS version the action lists match. */
  veeamVersion: string;
  /** Inline policies by name; each must fit IAM's limits (test/roles/policy-size.test.ts). */
  policies: Array<{ name: string; statements: Array<{ sid: string; actions: readonly string[] }> }>;
  /** Service principals trusted besides the appliance role, e.g. ec2.amazonaws.com for the worker. */
  trustServices: readonly string[];
  /** An instance profile of the same name containing the role (worker). */
  instanceProfile: boolean;
  /** Registered in the Veeam appliance as an "IAM role from another account". */
  register: boolean;
}

/** The trust we want on a role: the appliance role with these external IDs (one, or two during a rotation). */
export interface DesiredTrust {
  principalArn: string;
  /** In order [current] or [current, next]. Never empty, unless `withoutExternalId`. */
  externalIds: string[];
  /**
   * Organizations mode: the appliance assumes the role by the organization settings, which have no external-ID
   * field, so the trust names the appliance role alone. Must be said explicitly: an empty list is otherwise refused.
   */
  withoutExternalId?: boolean;
  /** Tags describing the external-ID state (see lib/external-ids.ts); written with the role's other tags. */
  stateTags: Record<string, string>;
}

/** What is in IAM now for one blueprint role in one account, read in a small fixed set of calls. */
export interface RoleSnapshot {
  roleName: string;
  exists: boolean;
  /**
   * May be converged: carries this installation's id, or a tag written before installation ids (adopted: the next
   * write stamps our id). Only owned roles are ever modified; only `owner.kind === 'ours'` ones are ever removed.
   */
  owned: boolean;
  /** Whose ownership tag the role carries ({kind: 'none'} when it does not exist). */
  owner: Owner;
  arn?: string;
  /** External IDs accepted by the statement that trusts the appliance principal, in document order. */
  trustExternalIds: string[];
  tags: Record<string, string>;
  /** Raw state the diff needs (decoded trust document, inline policies, attached policies, instance profile). */
  trustDocument?: unknown;
  inlinePolicies: Record<string, unknown>;
  attachedPolicyArns: string[];
  /** ARN of the role's permissions boundary, when it has one. */
  permissionsBoundaryArn?: string;
  /**
   * Set when the role carries our tag but may still not be converged: it lacks the boundary every role of ours is
   * created with (dedicated access), so it is not provably ours. The reason names the fix; nothing is written to it.
   */
  conflict?: string;
  /**
   * undefined when the blueprint wants no instance profile; null when it should exist but does not. `owned`: it
   * carries our ownership tag; a profile of that name without it is someone else's and is never written to.
   */
  instanceProfile?: { name: string; roleNames: string[]; owned: boolean; owner: Owner } | null;
}

export type RoleChangeKind =
  | 'create-role'
  | 'update-trust'
  | 'put-policy'
  | 'delete-policy'
  | 'detach-policy'
  | 'tag-role'
  | 'untag-role'
  | 'create-instance-profile'
  | 'tag-instance-profile'
  | 'add-role-to-instance-profile'
  | 'remove-role-from-instance-profile'
  | 'delete-instance-profile'
  | 'delete-role';

export interface RoleChange {
  kind: RoleChangeKind;
  /** Human readable, never contains an external ID. */
  detail: string;
}

export interface EnsureResult {
  roleName: string;
  roleArn: string;
  status: 'created' | 'repaired' | 'ok' | 'conflict';
  /** Applied changes (or, in a dry run, the ones that would be applied). */
  changes: RoleChange[];
  /** Why nothing was done, for 'conflict': names the role and the fix. Never contains an external ID. */
  reason?: string;
}

/** IAM in one member account, behind assumed credentials. */
export interface RoleIam {
  readonly accountId: string;
  read(bp: RoleBlueprint): Promise<RoleSnapshot>;
  /**
   * Diff `snapshot` against blueprint + trust and apply only the difference. A converged role: zero writes.
   * Compare-and-write: immediately before changing the trust it runs `beforeTrustWrite` and re-reads the trust;
   * if the accepted external IDs are no longer those of `snapshot` (another writer), it writes nothing and throws
   * ConcurrentChangeError.
   */
  ensure(
    bp: RoleBlueprint,
    trust: DesiredTrust,
    snapshot: RoleSnapshot,
    opts: { dryRun: boolean; beforeTrustWrite?: () => Promise<void> },
  ): Promise<EnsureResult>;
  /** Remove an owned role, its policies and instance profile in the order IAM requires. Not owned: no change. */
  remove(bp: RoleBlueprint, opts: { dryRun: boolean }): Promise<RoleChange[]>;
}
