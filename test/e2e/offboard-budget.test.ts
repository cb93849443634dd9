import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { OffboardBudget } from '../../lib/budget';
import type { ReconcileReport } from '../../lib/fleet/reconcile';
import { sqsRecord } from '../../sim/lambda';
import { QUEUES, STATE_TABLE, startWorld, type World } from '../../sim/world';
import { addAccount, depsFor, ownedEntries, protect } from '../support/account-harness';

/**
 * One offboarding budget for every path, seen through the deployed functions: account events, the worker, the
 * scheduled reconcile and an operator's confirmation all draw from the one item in the state table.
 */
const IN = 'ou-ab12-11111111';
const OUT = 'ou-ab12-22222222';
const ROLES = ['VeeamBackupRole', 'VeeamWorkerRole'] as const;
const DAY = 24 * 3_600_000;

let world: World;
let seq = 0;
const sqs = new SQSClient({ region: 'us-east-1' });

const moveEvent = (accountId: string, to: string) => {
  const e = JSON.parse(readFileSync(join(__dirname, '../fixtures/move-account.json'), 'utf8')) as {
    id: string;
    detail: { eventID: string; requestParameters: Record<string, string> };
  };
  seq++;
  e.id = `0f9a3c1e-1111-4a5b-8c9d-${String(seq).padStart(12, '0')}`;
  e.detail.eventID = `c3d4e5f6-0005-4000-8000-${String(seq).padStart(12, '0')}`;
  e.detail.requestParameters = { accountId, sourceParentId: IN, destinationParentId: to };
  return e;
};

const intact = (id: string) =>
  ownedEntries(world, id).length === 2 && ROLES.every((r) => world.iam.role(id, r) !== undefined);
const offboarded = (id: string) =>
  ownedEntries(world, id).length === 0 && ROLES.every((r) => world.iam.role(id, r) === undefined);
const heldEvents = () => world.eventBus.events.filter((e) => e.detailType === 'Offboarding Held');
const budget = () => world.ddb.value<OffboardBudget>('offboard-budget', STATE_TABLE);

async function protectedAccounts(n: number, base: number): Promise<string[]> {
  const deps = depsFor();
  const ids = Array.from({ length: n }, (_, i) => String(base + i));
  for (const id of ids) {
    addAccount(world, id, IN);
    await protect(deps, id);
  }
  return ids;
}

beforeAll(async () => {
  world = await startWorld({
    offboardMode: 'delete',
    scopeOuIds: (org) => {
      org.createOu(org.rootId, IN);
      org.createOu(org.rootId, OUT);
      return [IN];
    },
  });
}, 60_000);
afterAll(() => world.stop());

describe('8 accounts leave scope, one event at a time (worker)', () => {
  it('at most the budget (5) is offboarded, each held one says so; reconcile --allow-offboard 8 then offboards the rest', async () => {
    const ids = await protectedAccounts(8, 740000000001);
    const heldBefore = heldEvents().length;
    for (const id of ids) {
      world.org.moveAccount(id, OUT);
      await world.deliverEvent(moveEvent(id, OUT));
      expect((await world.drain()).failed).toBe(0);
    }
    expect(ids.filter(offboarded)).toEqual(ids.slice(0, 5));
    expect(ids.filter(intact)).toEqual(ids.slice(5));
    // Held is an outcome, not a failure: nothing dead-lettered, one Offboarding Held event per held account.
    expect(world.sqs.messages(QUEUES.workerDlq)).toEqual([]);
    const held = heldEvents().slice(heldBefore);
    expect(held.map((e) => (e.detail as { accounts: string[] }).accounts)).toEqual(ids.slice(5).map((id) => [id]));
    for (const e of held)
      expect((e.detail as { reason: string }).reason).toMatch(/budget is spent \(5 of 5.*--allow-offboard 1/);

    // The operator checks the list and confirms: a grant naming the three, consumed by the worker's offboardings.
    const report = (await world.invokeReconcile({ dryRun: false, allowOffboard: 8 })) as ReconcileReport;
    expect(report.offboardGuard).toMatchObject({ held: false, wouldOffboard: 3, need: 3, permit: 'grant' });
    expect(budget()!.grants.map((g) => g.accounts)).toEqual([ids.slice(5)]);
    expect((await world.drain()).failed).toBe(0);
    expect(ids.filter(offboarded)).toEqual(ids);
  });

  it('two workers at once for the last unit: exactly one offboards, the other is held', async () => {
    world.clock.advance(DAY + 60_000);
    const ids = await protectedAccounts(6, 741000000001);
    for (const id of ids) world.org.moveAccount(id, OUT);
    // Four units used: one left.
    for (const id of ids.slice(0, 4)) {
      await world.deliverEvent(moveEvent(id, OUT));
      await world.drain();
    }
    const last = ids.slice(4);
    for (const id of last) await world.deliverEvent(moveEvent(id, OUT));
    const messages = world.sqs.take(QUEUES.account, 10);
    expect(messages.map((m) => m.groupId).sort()).toEqual(last);
    // Both read "4 of 5 used" before either writes: the first write waits until the second is about to write.
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((r) => (release = r));
    let writers = 0;
    world.ddb.onBeforePut(async () => {
      if (++writers === 1) await bothRead;
      else release();
    });
    const results = await Promise.all(messages.map((m) => world.invokeWorker({ Records: [sqsRecord(m)] })));
    world.ddb.onBeforePut(undefined);
    world.sqs.done(messages);
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(last.filter(offboarded)).toHaveLength(1);
    expect(last.filter(intact)).toHaveLength(1);
    expect(Object.keys(budget()!.taken).filter((id) => ids.includes(id))).toHaveLength(5);
  });
});

describe('a message never decides an offboarding', () => {
  it('a forged reconcile message saying an in-scope account is out of scope removes nothing', async () => {
    world.clock.advance(DAY + 60_000);
    const [id] = await protectedAccounts(1, 742000000001);
    const iamWrites = world.iam.writes(id).length;
    const veeamWrites = world.veeam.state.writes();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: QUEUES.account,
        MessageGroupId: id!,
        MessageDeduplicationId: 'forged-1',
        MessageBody: JSON.stringify({
          accountId: id,
          action: 'sync',
          reason: 'reconcile',
          plan: {
            plannedAt: new Date(world.clock.now()).toISOString(),
            inScope: false,
            scopeReason: 'outside SCOPE_OU_IDS',
            entries: [],
          },
        }),
      }),
    );
    expect((await world.drain()).failed).toBe(0);
    expect(intact(id!)).toBe(true);
    expect(world.iam.writes(id)).toHaveLength(iamWrites);
    expect(world.veeam.state.writes()).toBe(veeamWrites);
    expect(Object.keys(budget()?.taken ?? {})).not.toContain(id);
  });
});
