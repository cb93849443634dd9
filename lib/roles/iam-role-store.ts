import type { IAMClient } from '@aws-sdk/client-iam';
import { InvalidInputError } from '../errors';
import { ConcurrentChangeError } from './errors';
import { applyOp } from './apply';
import { planRemoval, planRole, toChange, type RoleOp } from './diff';
import { isAlreadyExists, isNoSuchEntity, readRole, readTrustIds } from './read';
import { boundaryConflictReason, profileConflictReason, roleConflictReason } from './conflicts';
import type { DesiredTrust, EnsureResult, RoleBlueprint, RoleChange, RoleIam, RoleSnapshot } from './types';

/** A concurrent run (event + reconcile) can create or delete under us; this many re-read-and-re-plan rounds settle it. */
const MAX_ROUNDS = 3;

export interface IamRoleStoreOptions {
  /** The appliance principal whose external IDs read() reports in `trustExternalIds`. */
  principalArn?: string;
  /** ARN partition of the account (aws, aws-us-gov, aws-cn), for the ARN of a role created in this run. */
  partition?: string;
  /** Permissions boundary every role of ours must carry (dedicated member access: VeeamOrgSyncBoundary). */
  permissionsBoundaryArn?: string;
}

/** RoleIam over one account's IAM client: read, plan the minimal difference, apply it. */
export class IamRoleStore implements RoleIam {
  private readonly partition: string;

  constructor(
    readonly accountId: string,
    private readonly iam: IAMClient,
    private readonly options: IamRoleStoreOptions = {},
  ) {
    this.partition = options.partition ?? 'aws';
  }

  async read(bp: RoleBlueprint): Promise<RoleSnapshot> {
    const snap = await readRole(this.iam, bp, this.readOptions());
    const boundary = this.options.permissionsBoundaryArn;
    if (snap.exists && snap.owned && boundary && snap.permissionsBoundaryArn !== boundary)
      return { ...snap, conflict: boundaryConflictReason(bp, this.accountId, boundary, snap.permissionsBoundaryArn) };
    return snap;
  }

  private readOptions(complete = false) {
    return { ...(this.options.principalArn ? { principalArn: this.options.principalArn } : {}), complete };
  }

  async ensure(
    bp: RoleBlueprint,
    trust: DesiredTrust,
    snapshot: RoleSnapshot,
    opts: { dryRun: boolean; beforeTrustWrite?: () => Promise<void> },
  ): Promise<EnsureResult> {
    if (trust.externalIds.length === 0 && !trust.withoutExternalId) {
      // A trust without an external ID condition would let the appliance be used as a confused deputy; only
      // Organizations mode, whose settings cannot carry one, asks for it by name.
      throw new InvalidInputError(
        `Refusing to write the trust of ${bp.roleName} in ${this.accountId}: no external ID given.`,
      );
    }
    let snap = snapshot;
    const applied: RoleChange[] = [];
    let created = false;
    for (let round = 1; ; round++) {
      if (snap.exists && !snap.owned)
        return this.conflict(bp, snap, applied, roleConflictReason(bp, this.accountId, snap.owner));
      if (snap.exists && snap.conflict) return this.conflict(bp, snap, applied, snap.conflict);
      if (bp.instanceProfile && snap.instanceProfile && !snap.instanceProfile.owned)
        return this.conflict(bp, snap, applied, profileConflictReason(bp, this.accountId, snap.instanceProfile.owner));
      const ops = planRole(bp, trust, snap, this.options.permissionsBoundaryArn);
      if (opts.dryRun)
        return this.result(bp, snap, !snap.exists ? 'created' : ops.length ? 'repaired' : 'ok', ops.map(toChange));
      try {
        for (const op of ops) {
          if (op.kind === 'update-trust') await this.compareTrust(bp, snap, opts.beforeTrustWrite);
          await applyOp(this.iam, bp, op);
          applied.push(toChange(op));
          if (op.kind === 'create-role') created = true;
        }
        const status = created ? 'created' : applied.length ? 'repaired' : 'ok';
        return this.result(bp, snap, status, applied);
      } catch (err) {
        if (round >= MAX_ROUNDS || !(isAlreadyExists(err) || isNoSuchEntity(err))) throw err;
        const before = snap;
        snap = await this.read(bp);
        // Created (or re-created) by someone else with other external IDs: their IDs may already be in Veeam, so
        // replacing them with ours could leave the appliance with a refused ID. The caller decides again instead.
        if (
          snap.exists &&
          snap.trustExternalIds.length > 0 &&
          !sameIds(snap.trustExternalIds, before.trustExternalIds) &&
          !sameIds(snap.trustExternalIds, trust.externalIds)
        )
          throw new ConcurrentChangeError(
            `${bp.roleName} in ${this.accountId} was created or changed by another writer with other external IDs; deciding again`,
          );
      }
    }
  }

  async remove(bp: RoleBlueprint, opts: { dryRun: boolean }): Promise<RoleChange[]> {
    // Every inline and attached policy: IAM refuses to delete a role that still has one.
    const snap = await readRole(this.iam, bp, this.readOptions(true));
    // Offboarding removes only roles carrying this installation's id: legacy ones are never removed by anyone.
    if (!snap.exists || snap.owner.kind !== 'ours') return [];
    const ops: RoleOp[] = planRemoval(bp, snap);
    if (opts.dryRun) return ops.map(toChange);
    const done: RoleChange[] = [];
    for (const op of ops) {
      try {
        await applyOp(this.iam, bp, op);
        done.push(toChange(op));
      } catch (err) {
        // Already gone (a concurrent removal or a retry after a partial one): the goal of this step is met.
        if (!isNoSuchEntity(err)) throw err;
      }
    }
    return done;
  }

  /** The compare of compare-and-write: IAM has no conditional update, so the window is one GetRole wide. */
  private async compareTrust(bp: RoleBlueprint, snap: RoleSnapshot, before?: () => Promise<void>): Promise<void> {
    await before?.();
    const now = await readTrustIds(this.iam, bp, this.options.principalArn);
    if (now === undefined || !sameIds(now, snap.trustExternalIds))
      throw new ConcurrentChangeError(
        `the trust of ${bp.roleName} in ${this.accountId} changed since it was read (another writer); deciding again`,
      );
  }

  private arnOf(bp: RoleBlueprint, snap: RoleSnapshot): string {
    return snap.arn ?? `arn:${this.partition}:iam::${this.accountId}:role/${bp.roleName}`;
  }

  private result(
    bp: RoleBlueprint,
    snap: RoleSnapshot,
    status: EnsureResult['status'],
    changes: RoleChange[],
  ): EnsureResult {
    return { roleName: bp.roleName, roleArn: this.arnOf(bp, snap), status, changes };
  }

  /** `applied` is empty unless a concurrent writer changed ownership between two rounds of this call. */
  private conflict(bp: RoleBlueprint, snap: RoleSnapshot, applied: RoleChange[], reason: string): EnsureResult {
    return { ...this.result(bp, snap, 'conflict', applied), reason };
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
