import { loadConfig } from '../../lib/config';
import { convergeAccount } from '../../lib/account/converge-account';
import type { Deps } from '../../lib/deps';
import { NEXT_FP_TAG, ROTATION_STARTED_TAG } from '../../lib/account/id-state';
import { acceptedExternalIds } from '../../lib/roles/trust';
import { buildDeps } from '../../lib/wiring';
import { sleep } from '../../lib/util/sleep';
import { parseEntryDescription } from '../../lib/registration';
import type { SimEntry } from '../../sim/veeam';
import { APPLIANCE_ROLE_ARN, type World } from '../../sim/world';

/**
 * Shared by the rotation, offboarding and reconcile tests: the product's own Deps (buildDeps, as Lambda builds
 * them) against a started world, plus the checks a user would make: which IDs the trust accepts, what Veeam holds,
 * and whether the appliance can assume every role it is registered with.
 */
export function depsFor(overrides: Partial<Deps> = {}): Deps {
  // loadConfig, not config(): config() caches per module registry and would keep another world's URLs.
  return { ...buildDeps({ config: loadConfig(process.env) }), ...overrides };
}

/** An ACTIVE account directly under the root (the whole organization is in scope when SCOPE_OU_IDS is unset). */
export function addAccount(world: World, accountId: string, parentId?: string): string {
  world.org.createAccount({ id: accountId, name: `acct-${accountId}`, parentId: parentId ?? world.org.rootId });
  world.iam.addAccount(accountId);
  return accountId;
}

export async function protect(deps: Deps, accountId: string): Promise<void> {
  const r = await convergeAccount(deps, accountId, { dryRun: false, reason: 'test setup' });
  if (r.action === 'error') throw new Error(`setup of ${accountId} failed: ${r.error?.message}`);
}

export function ownedEntries(world: World, accountId: string): SimEntry[] {
  return world.veeam.state
    .list()
    .filter((e) => e.accountId === accountId && parseEntryDescription(e.description).owned);
}

export function trustedIds(world: World, accountId: string, roleName: string): string[] {
  const doc = world.iam.trustOf(accountId, roleName);
  return doc === undefined ? [] : acceptedExternalIds(doc, APPLIANCE_ROLE_ARN);
}

export function tagsOf(world: World, accountId: string, roleName: string): Record<string, string> {
  return Object.fromEntries(world.iam.role(accountId, roleName)?.tags ?? []);
}

/** "Protected" as the appliance sees it: every owned entry holds an ID the role's trust accepts. */
export function invariantHolds(world: World, accountId: string): string[] {
  return ownedEntries(world, accountId)
    .filter((e) => !world.iam.canAssume(accountId, e.roleName, APPLIANCE_ROLE_ARN, e.externalId))
    .map((e) => `${accountId} ${e.roleName}: Veeam holds an external ID the trust does not accept`);
}

/** Converged after a rotation: per role one trusted ID, the one Veeam holds, and no rotation tags left. */
export function convergedProblems(world: World, accountId: string): string[] {
  const problems: string[] = [];
  const entries = ownedEntries(world, accountId);
  if (entries.length !== 2) problems.push(`${accountId}: ${entries.length} owned entries instead of 2`);
  for (const e of entries) {
    const ids = trustedIds(world, accountId, e.roleName);
    if (ids.length !== 1 || ids[0] !== e.externalId)
      problems.push(
        `${accountId} ${e.roleName}: trust accepts ${ids.length} ID(s), Veeam's ${ids.includes(e.externalId ?? '') ? 'among them' : 'not among them'}`,
      );
    const tags = tagsOf(world, accountId, e.roleName);
    if (NEXT_FP_TAG in tags || ROTATION_STARTED_TAG in tags)
      problems.push(`${accountId} ${e.roleName}: rotation tags left`);
  }
  return problems;
}

export interface InvariantWatch {
  /** One line per violation seen, naming the call after which it was seen. */
  violations: string[];
  /** How many times the invariant was checked (once per IAM/STS call and per Veeam request). */
  checks: number;
  /** Write calls seen in order: `iam <Command>` or `veeam <METHOD> <path>`. */
  writes: Array<{ kind: 'iam'; command: string } | { kind: 'veeam'; method: string; path: string }>;
  stop(): void;
}

const VEEAM_WRITE = /^(POST|PUT|DELETE) \/api\/v1\/accounts\/amazon(\/\{id\})?$/;

/**
 * Checks the invariant after every single IAM/STS call and every Veeam request (through the fakes' listener
 * hooks), for the given accounts, and records the write calls in order.
 */
export function watchInvariant(world: World, accountIds: () => readonly string[]): InvariantWatch {
  const watch: InvariantWatch = {
    violations: [],
    checks: 0,
    writes: [],
    stop: () => {
      world.iam.afterCall.splice(world.iam.afterCall.indexOf(onIam), 1);
      world.veeam.state.afterRequest.splice(world.veeam.state.afterRequest.indexOf(onVeeam), 1);
    },
  };
  const check = (after: string) => {
    watch.checks++;
    for (const id of accountIds())
      for (const v of invariantHolds(world, id)) watch.violations.push(`${v} (after ${after})`);
  };
  const onIam = (call: { command: string; write: boolean; accountId: string; error?: string }) => {
    if (call.write && !call.error) watch.writes.push({ kind: 'iam', command: call.command });
    check(`${call.command} in ${call.accountId}${call.error ? ` (failed: ${call.error})` : ''}`);
  };
  const onVeeam = (r: { route: string; method: string; path: string; status: number }) => {
    if (VEEAM_WRITE.test(r.route) && r.status < 300)
      watch.writes.push({ kind: 'veeam', method: r.method, path: r.path });
    check(`${r.method} ${r.path} -> ${r.status}`);
  };
  world.iam.afterCall.push(onIam);
  world.veeam.state.afterRequest.push(onVeeam);
  return watch;
}

/** Every request of any kind that changes something, on either side: IAM writes, Veeam POST/PUT/DELETE (not login
 * or validation), SQS sends. Used by the dry-run tests. */
export function writeCounts(world: World): { iam: number; veeam: number; sqs: number } {
  const byRoute = world.veeam.state.counters.byRoute;
  const veeam = Object.entries(byRoute)
    .filter(([route]) => /^(POST|PUT|DELETE) /.test(route) && !/token$|validateName$|validateDelete$/.test(route))
    .reduce((n, [, c]) => n + c, 0);
  return { iam: world.iam.writes().length, veeam, sqs: world.sqs.stub.calls().length };
}

/**
 * The same Deps with a delay before every IAM read and write of member roles, so that two runs started together
 * really interleave their calls (with the in-memory fake they would otherwise run one after the other between
 * two Veeam requests).
 */
export function interleaved(deps: Deps, delayMs = 1): Deps {
  const pause = () => sleep(delayMs);
  return {
    ...deps,
    member: {
      async roles(accountId) {
        const r = await deps.member.roles(accountId);
        return {
          accountId: r.accountId,
          read: async (bp) => (await pause(), r.read(bp)),
          ensure: async (bp, trust, snap, opts) => (await pause(), r.ensure(bp, trust, snap, opts)),
          remove: async (bp, opts) => (await pause(), r.remove(bp, opts)),
        };
      },
    },
  };
}
