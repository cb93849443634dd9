import { convergeAccount } from '../../lib/account/converge-account';
import type { Deps } from '../../lib/deps';
import { externalIdFingerprint } from '../../lib/external-id';
import { ISSUED_TAG, NEXT_FP_TAG } from '../../lib/account/id-state';
import { rotateAccount, type RotationPhase } from '../../lib/account/rotate-account';
import { rotationsPerRun, scheduleRotations } from '../../lib/fleet/due-rotations';
import { entryDescription } from '../../lib/registration';
import { throttlingError } from '../../sim/aws/iam-fake';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';
import {
  addAccount,
  convergedProblems,
  depsFor,
  interleaved,
  ownedEntries,
  protect,
  tagsOf,
  trustedIds,
  watchInvariant,
} from '../support/account-harness';

const ROLES = ['VeeamBackupRole', 'VeeamWorkerRole'] as const;
const PHASES: RotationPhase[] = ['widened', 'propagated', 'pushed', 'verified', 'narrowed'];
const DAY = 86_400_000;

let world: World;
let deps: Deps;
let seq = 0;
/** A fresh, protected account per test, so each test starts from the converged state a user would have. */
async function protectedAccount(): Promise<string> {
  const id = addAccount(world, String(400000000000 + ++seq));
  await protect(deps, id);
  return id;
}
const heldIds = (id: string) => Object.fromEntries(ownedEntries(world, id).map((e) => [e.roleName, e.externalId!]));

/** Largest number of IDs any watched role's trust accepted after any IAM call (a user would see 3 as a bug). */
function watchTrustSize(accounts: () => readonly string[]): { max: number; stop(): void } {
  const out = { max: 0, stop: () => void world.iam.afterCall.splice(world.iam.afterCall.indexOf(listener), 1) };
  const listener = () => {
    for (const id of accounts()) for (const r of ROLES) out.max = Math.max(out.max, trustedIds(world, id, r).length);
  };
  world.iam.afterCall.push(listener);
  return out;
}

beforeAll(async () => {
  world = await startWorld();
  deps = depsFor();
});
afterAll(() => world.stop());

describe('rotation happy path', () => {
  it('gives Veeam new IDs, trusts only the new ones, reports the phases in order, and never breaks access', async () => {
    const A = await protectedAccount();
    const before = heldIds(A);
    const watch = watchInvariant(world, () => [A]);
    const size = watchTrustSize(() => [A]);
    const phases: string[] = [];
    const report = await rotateAccount(deps, A, {
      force: true,
      onPhase: (acct, role, p) => phases.push(`${acct} ${role} ${p}`),
    });
    watch.stop();
    size.stop();

    expect(report.error).toBeUndefined();
    expect(report.action).toBe('rotate');
    expect(report.roles.map((r) => r.rotation)).toEqual(['completed', 'completed']);
    expect(phases).toEqual(ROLES.flatMap((r) => PHASES.map((p) => `${A} ${r} ${p}`)));
    const after = heldIds(A);
    for (const role of ROLES) {
      expect(after[role]).toBeDefined();
      expect(after[role]).not.toBe(before[role]);
      expect(trustedIds(world, A, role)).toEqual([after[role]]);
      expect(world.iam.canAssume(A, role, APPLIANCE_ROLE_ARN, after[role])).toBe(true);
      expect(world.iam.canAssume(A, role, APPLIANCE_ROLE_ARN, before[role])).toBe(false);
    }
    expect(convergedProblems(world, A)).toEqual([]);
    // Both IDs were trusted in between (zero downtime), never more.
    expect(size.max).toBe(2);
    expect(watch.checks).toBeGreaterThan(10);
    expect(watch.violations).toEqual([]);
  });

  it('works end to end through the rotate function and the worker (FIFO group = the account)', async () => {
    const A = await protectedAccount();
    const before = heldIds(A);
    const watch = watchInvariant(world, () => [A]);
    const out = (await world.invokeRotate({ accountIds: [A], force: true })) as { enqueued: number };
    expect(out.enqueued).toBe(1);
    expect(world.sqs.messages(QUEUES.account).map((m) => m.groupId)).toEqual([A]);
    const { failed } = await world.drain();
    watch.stop();
    expect(failed).toBe(0);
    for (const role of ROLES) expect(heldIds(A)[role]).not.toBe(before[role]);
    expect(convergedProblems(world, A)).toEqual([]);
    expect(watch.violations).toEqual([]);
  });
});

describe('a crash after any step of a rotation', () => {
  /** One write of the probe rotation; a Veeam write is named by the role whose entry it changed. */
  type Write = { kind: 'iam'; command: string } | { kind: 'veeam'; method: string; roleName: string };
  let writes: Write[] = [];
  const describeWrite = (w: Write) => (w.kind === 'iam' ? `IAM ${w.command}` : `Veeam ${w.method}`);

  beforeAll(async () => {
    // Count the writes of one full rotation first (one converged account, nothing due but forced).
    const probe = await protectedAccount();
    const watch = watchInvariant(world, () => [probe]);
    const r = await rotateAccount(deps, probe, { force: true });
    watch.stop();
    if (r.action !== 'rotate') throw new Error(`probe rotation did not rotate: ${JSON.stringify(r)}`);
    writes = watch.writes.map((w): Write =>
      w.kind === 'veeam'
        ? {
            kind: 'veeam',
            method: w.method,
            roleName: ownedEntries(world, probe).find((e) => w.path.endsWith(e.id))!.roleName,
          }
        : w,
    );
    console.log(`one rotation of one account = ${writes.length} writes: ${writes.map(describeWrite).join(', ')}`);
  });

  it('one rotation is the expected sequence of writes', () => {
    // Per role: widen (trust, tags), push, narrow (trust, tags set, tags removed).
    const perRole = [
      'IAM UpdateAssumeRolePolicy',
      'IAM TagRole',
      'Veeam PUT',
      'IAM UpdateAssumeRolePolicy',
      'IAM TagRole',
      'IAM UntagRole',
    ];
    expect(writes.map(describeWrite)).toEqual([...perRole, ...perRole]);
  });

  /** Makes the k-th write of the coming rotation of `acct` fail before it takes effect. */
  function injectAt(k: number, acct: string): () => boolean {
    const w = writes[k]!;
    if (w.kind === 'iam') {
      const nth = writes.slice(0, k + 1).filter((x) => x.kind === 'iam' && x.command === w.command).length;
      if (nth > 1) world.iam.failNext(w.command, () => undefined, nth - 1);
      world.iam.failNext(w.command, () => throttlingError());
      const mark = world.iam.calls.length;
      return () => world.iam.calls.slice(mark).some((c) => c.command === w.command && c.error === 'Throttling');
    }
    // The same role's entry in this account.
    const entry = ownedEntries(world, acct).find((e) => e.roleName === w.roleName)!;
    const path = `/api/v1/accounts/amazon/${entry.id}`;
    world.veeam.faults.failPath('PUT', path, 400, 1);
    let fired = false;
    const listener = (r: { method: string; path: string; status: number }) => {
      if (r.method === 'PUT' && r.path === path && r.status === 400) fired = true;
    };
    world.veeam.state.afterRequest.push(listener);
    return () => {
      world.veeam.state.afterRequest.splice(world.veeam.state.afterRequest.indexOf(listener), 1);
      return fired;
    };
  }

  for (const variant of ['rotate again', 'sync, then the scheduled rotate'] as const) {
    it(`fails at each write k, then converges on "${variant}" with the invariant held after every call`, async () => {
      expect(writes.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (let k = 0; k < writes.length; k++) {
        const acct = await protectedAccount();
        const original = heldIds(acct);
        const watch = watchInvariant(world, () => [acct]);
        const size = watchTrustSize(() => [acct]);
        const fired = injectAt(k, acct);
        const first = await rotateAccount(deps, acct, { force: true });
        if (!fired()) problems.push(`k=${k}: the fault was not hit`);
        if (first.action !== 'error') problems.push(`k=${k}: the faulty run did not fail (${first.action})`);

        // What the crash left: a rotation in progress keeps its next ID, which the second run must finish with.
        const pending: Record<string, string> = {};
        for (const role of ROLES) {
          const ids = trustedIds(world, acct, role);
          const fp = tagsOf(world, acct, role)[NEXT_FP_TAG];
          if (ids.length === 2 && fp && ids.some((id) => externalIdFingerprint(id) === fp)) pending[role] = fp;
        }

        const second =
          variant === 'rotate again'
            ? await rotateAccount(deps, acct, { force: true })
            : (await convergeAccount(deps, acct, { dryRun: false, reason: 'reconcile' })).action === 'error'
              ? undefined
              : await rotateAccount(deps, acct);
        watch.stop();
        size.stop();

        if (!second || second.action === 'error')
          problems.push(`k=${k}: second run failed: ${second?.error?.message ?? 'sync failed'}`);
        problems.push(...convergedProblems(world, acct).map((p) => `k=${k}: ${p}`));
        problems.push(...watch.violations.map((v) => `k=${k}: ${v}`));
        if (size.max > 2) problems.push(`k=${k}: a trust accepted ${size.max} IDs`);
        const final = heldIds(acct);
        for (const [role, fp] of Object.entries(pending)) {
          if (externalIdFingerprint(final[role]!) !== fp)
            problems.push(`k=${k}: ${role} started a new rotation instead of finishing the one in progress`);
        }
        if (variant === 'rotate again')
          for (const role of ROLES)
            if (final[role] === original[role]) problems.push(`k=${k}: ${role} was not rotated`);
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('when the appliance cannot prove it can use the new ID', () => {
  it('keeps both IDs trusted (Veeam already holds the new one) and the next run verifies and narrows', async () => {
    const A = await protectedAccount();
    const before = heldIds(A);
    const watch = watchInvariant(world, () => [A]);
    world.veeam.faults.failPath('POST', /\/rescan$/, 400, 1);
    const first = await rotateAccount(deps, A, { force: true });
    expect(first.action).toBe('error');
    const pushed = heldIds(A)[ROLES[0]]!;
    expect(pushed).not.toBe(before[ROLES[0]]);
    expect(trustedIds(world, A, ROLES[0])).toEqual([before[ROLES[0]], pushed]);

    const phases: RotationPhase[] = [];
    const second = await rotateAccount(deps, A, { onPhase: (_a, role, p) => role === ROLES[0] && phases.push(p) });
    watch.stop();
    expect(second.action).toBe('rotate');
    // Resumed after the push: no second PUT, no new ID.
    expect(phases).toEqual(['verified', 'narrowed']);
    expect(heldIds(A)[ROLES[0]]).toBe(pushed);
    expect(convergedProblems(world, A)).toEqual([]);
    expect(watch.violations).toEqual([]);
  });
  it('a plain sync (event or reconcile) finishes a rotation that stopped, instead of waiting for the next due date', async () => {
    const A = await protectedAccount();
    world.veeam.faults.failPath('POST', /\/rescan$/, 400, 1);
    expect((await rotateAccount(deps, A, { force: true })).action).toBe('error');
    expect(trustedIds(world, A, ROLES[0])).toHaveLength(2);

    const watch = watchInvariant(world, () => [A]);
    const report = await convergeAccount(deps, A, { dryRun: false, reason: 'reconcile' });
    watch.stop();
    expect(report.action).toBe('rotate');
    expect(convergedProblems(world, A)).toEqual([]);
    expect(watch.violations).toEqual([]);
  });
});

describe('one rotation at a time per account', () => {
  /** A rotation interrupted right after widening the trust of the first role (the Veeam PUT fails). */
  async function interruptedAfterWidening(): Promise<{ acct: string; nextFp: string; old: string }> {
    const acct = await protectedAccount();
    const entry = ownedEntries(world, acct).find((e) => e.roleName === ROLES[0])!;
    world.veeam.faults.failPath('PUT', `/api/v1/accounts/amazon/${entry.id}`, 400, 1);
    const r = await rotateAccount(deps, acct, { force: true });
    expect(r.action).toBe('error');
    expect(trustedIds(world, acct, ROLES[0])).toHaveLength(2);
    const nextFp = tagsOf(world, acct, ROLES[0])[NEXT_FP_TAG]!;
    expect(nextFp).toMatch(/^[0-9a-f]{16}$/);
    return { acct, nextFp, old: entry.externalId! };
  }

  it('sequential rotates resume the interrupted rotation (same next ID, never 3 IDs), the second one changes nothing', async () => {
    const { acct, nextFp, old } = await interruptedAfterWidening();
    const watch = watchInvariant(world, () => [acct]);
    const size = watchTrustSize(() => [acct]);
    const first = await rotateAccount(deps, acct);
    const writesAfterFirst = { iam: world.iam.writes(acct).length, veeam: world.veeam.state.writes() };
    const second = await rotateAccount(deps, acct);
    watch.stop();
    size.stop();

    expect(first.action).toBe('rotate');
    expect(externalIdFingerprint(heldIds(acct)[ROLES[0]]!)).toBe(nextFp);
    expect(world.iam.canAssume(acct, ROLES[0], APPLIANCE_ROLE_ARN, old)).toBe(false);
    expect(second.action).toBe('ok');
    expect({ iam: world.iam.writes(acct).length, veeam: world.veeam.state.writes() }).toEqual(writesAfterFirst);
    expect(size.max).toBe(2);
    expect(convergedProblems(world, acct)).toEqual([]);
    expect(watch.violations).toEqual([]);
  });

  it('two concurrent rotates of an interrupted rotation finish that same rotation, never 3 IDs, invariant held', async () => {
    // IAM calls of the two runs interleave (a delay before each), as they would against real IAM.
    const slow = interleaved(deps);
    for (let trial = 0; trial < 5; trial++) {
      const { acct, nextFp } = await interruptedAfterWidening();
      const watch = watchInvariant(world, () => [acct]);
      const size = watchTrustSize(() => [acct]);
      const reports = await Promise.all([rotateAccount(slow, acct), rotateAccount(slow, acct)]);
      watch.stop();
      size.stop();

      expect(reports.map((r) => r.error)).toEqual([undefined, undefined]);
      expect(externalIdFingerprint(heldIds(acct)[ROLES[0]]!)).toBe(nextFp);
      expect(size.max).toBe(2);
      expect(convergedProblems(world, acct)).toEqual([]);
      expect(watch.violations).toEqual([]);
    }
  });
});

describe('when a rotation is due', () => {
  it('not due: nothing is written, nothing reported as rotated', async () => {
    const A = await protectedAccount();
    const iam = world.iam.writes(A).length;
    const veeam = world.veeam.state.writes();
    const r = await rotateAccount({ ...deps, now: () => new Date(deps.now().getTime() + 89 * DAY) }, A);
    expect(r.action).toBe('ok');
    expect(r.roles.every((x) => x.rotation === undefined)).toBe(true);
    expect(world.iam.writes(A)).toHaveLength(iam);
    expect(world.veeam.state.writes()).toBe(veeam);
  });

  it('due by age (EXTERNAL_ID_MAX_AGE_DAYS = 90 by default): rotates without force', async () => {
    const A = await protectedAccount();
    const before = heldIds(A);
    const later = new Date(deps.now().getTime() + 90 * DAY);
    const r = await rotateAccount({ ...deps, now: () => later }, A);
    expect(r.action).toBe('rotate');
    for (const role of ROLES) {
      expect(heldIds(A)[role]).not.toBe(before[role]);
      expect(tagsOf(world, A, role)[ISSUED_TAG]).toBe(later.toISOString());
    }
    expect(convergedProblems(world, A)).toEqual([]);
  });

  it('scheduleRotations enqueues due accounts oldest first, capped per run, one FIFO group per account', async () => {
    world.sqs.take(QUEUES.account, 10_000);
    const now = Date.now();
    const ages = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const id = String(600000000000 + i);
      world.org.createAccount({ id, parentId: world.org.rootId });
      // Due ones are 90..119 days old, in shuffled order; the last 10 are fresh.
      const age = i < 30 ? 90 + ((i * 7) % 30) : 10;
      ages.set(id, age);
      for (const [key, roleName] of [
        ['backup', ROLES[0]],
        ['worker', ROLES[1]],
      ] as const) {
        world.veeam.state.addEntry({
          name: `${id}-${key}`,
          accountId: id,
          roleName,
          externalId: `x${id}`,
          description: entryDescription(roleName, `x${id}`, new Date(now - age * DAY)),
        });
      }
    }
    const out = await scheduleRotations(deps, {});
    // Fewer than 1,125 registered accounts: the floor of 25 rotations per run applies.
    expect(rotationsPerRun(1000, 90)).toBe(25);
    expect(out.enqueued).toBe(25);
    expect(out.deferred).toBe(5);
    const expected = [...ages]
      .filter(([, a]) => a >= 90)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([id]) => id);
    expect(out.accounts.map((id) => ages.get(id))).toEqual(expected.map((id) => ages.get(id)));
    expect(new Set(out.accounts)).toEqual(new Set(expected));
    const msgs = world.sqs.take(QUEUES.account, 10_000);
    expect(msgs.map((m) => (JSON.parse(m.body) as { accountId: string }).accountId)).toEqual(out.accounts);
    expect(msgs.every((m) => m.groupId === (JSON.parse(m.body) as { accountId: string }).accountId)).toBe(true);
    expect(msgs.every((m) => (JSON.parse(m.body) as { action: string }).action === 'rotate')).toBe(true);
  });
});
