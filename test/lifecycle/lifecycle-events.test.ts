import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { runCli } from '../../bin/cli';
import { convergeAccount } from '../../lib/account/converge-account';
import { lifecycleEventOf } from '../../lib/account/lifecycle-event';
import type { AccountReport } from '../../lib/account/account-report';
import { logger } from '../../lib/log';
import { lifecycleEventSchemas, schemaFileName } from '../../lib/lifecycle/schemas';
import { acceptedExternalIds } from '../../lib/roles/trust';
import { createAccountResult, moveAccount } from '../../sandbox/events';
import type { PutEvent } from '../../sim/aws/eventbridge-fake';
import { DEFAULT_SIM_USER } from '../../sim/veeam';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';
import { EVENT_SCHEMA_DIR, eventSchemaDocs } from '../../scripts/event-schemas';
import { addAccount, depsFor } from '../support/account-harness';

const A = '444455556666';
const B = '555566667777';
const F = '888899990000';

let world: World;
let inScope = '';
let outOfScope = '';

beforeAll(async () => {
  world = await startWorld({
    offboardMode: 'unregister',
    scopeOuIds: (org) => {
      inScope = org.createOu(org.rootId, 'ou-ab12-11111111');
      outOfScope = org.createOu(org.rootId, 'ou-ab12-22222222');
      return [inScope];
    },
  });
});
afterAll(() => world.stop());

/**
 * The protection events put since `from`, as (detail-type, account) pairs. The scheduled run's `Account Not Covered`
 * (this world's appliance has no backup policy) is about policies, not protection: test/bin/coverage.test.ts.
 */
const since = (from: number) =>
  world.eventBus.events
    .slice(from)
    .filter((e) => e.detailType !== 'Account Not Covered')
    .map((e) => [e.detailType, (e.detail.accountId as string | undefined) ?? '-']);

async function run(fn: () => Promise<unknown>): Promise<Array<(string | undefined)[]>> {
  const from = world.eventBus.events.length;
  await fn();
  await world.drain();
  return since(from);
}

describe('lifecycle events, through the real handlers of a sim world', () => {
  it('one Account Protected per account that became protected, with its roles and Veeam entry names', async () => {
    addAccount(world, A, inScope);
    const events = await run(() => world.deliverEvent(createAccountResult(A)));
    expect(events).toEqual([['Account Protected', A]]);
    const e = world.eventBus.events.at(-1)!;
    expect(e).toMatchObject({ source: 'veeam-org-sync', eventBusName: 'default' });
    expect(e.detail).toMatchObject({
      schemaVersion: 1,
      accountId: A,
      installationId: 'veeam-org-sync',
      action: 'create',
      inScope: true,
      roles: [
        { blueprint: 'backup', roleName: 'VeeamBackupRole', veeamEntryName: `${A}-backup`, role: 'created' },
        { blueprint: 'worker', roleName: 'VeeamWorkerRole', veeamEntryName: `${A}-worker`, role: 'created' },
      ],
    });
  });

  it('no event when nothing changed: a converged account, a replay, a dry run', async () => {
    expect(await run(() => world.invokeReconcile({ dryRun: false }))).toEqual([]);
    expect(await run(() => world.invokeReconcile({ dryRun: true, accountIds: [A] }))).toEqual([]);
    expect(await run(() => convergeAccount(depsFor(), A, { dryRun: false, reason: 'manual' }))).toEqual([]);
    world.iam.role(A, 'VeeamBackupRole')!.inline.clear();
    expect(await run(() => convergeAccount(depsFor(), A, { dryRun: true, reason: 'manual' }))).toEqual([]);
  });

  it('a repair is announced as Account Protected with action repair (the CLI path emits as the Lambda does)', async () => {
    const events = await run(() => convergeAccount(depsFor(), A, { dryRun: false, reason: 'manual' }));
    expect(events).toEqual([['Account Protected', A]]);
    expect(world.eventBus.events.at(-1)!.detail).toMatchObject({ action: 'repair', trigger: 'manual' });
  });

  it('the CLI (in-process, with the production wiring) puts the same event; its dry run none', async () => {
    const quiet = { out: () => undefined, err: () => undefined };
    world.iam.role(A, 'VeeamWorkerRole')!.inline.clear();
    expect(await run(() => runCli(['reconcile', '--dry-run', '--account', A], quiet))).toEqual([]);
    expect(await run(() => runCli(['sync', A], quiet))).toEqual([['Account Protected', A]]);
    expect(world.eventBus.events.at(-1)!.detail).toMatchObject({ action: 'repair', trigger: 'manual' });
  });

  it('a same-named role we do not own: Account Protection Failed, naming the conflict', async () => {
    addAccount(world, F, inScope);
    world.iam.addRole(F, 'VeeamBackupRole');
    const events = await run(() => world.invokeReconcile({ dryRun: false, accountIds: [F] }));
    expect(events).toEqual([['Account Protection Failed', F]]);
    expect(world.eventBus.events.at(-1)!.detail).toMatchObject({ action: 'conflict' });
    expect(world.eventBus.events.at(-1)!.detail.reason).toMatch(/VeeamBackupRole/);
  });

  it('a transient failure is announced once, when the worker gives up, not at every retry', async () => {
    addAccount(world, B, inScope);
    world.veeam.faults.setDown(true);
    const from = world.eventBus.events.length;
    await world.deliverEvent(createAccountResult(B));
    await world.drain(1);
    expect(since(from)).toEqual([]);
    await world.drain(10);
    world.veeam.faults.setDown(false);
    expect(world.sqs.messages(QUEUES.workerDlq)).toHaveLength(1);
    expect(since(from)).toEqual([['Account Protection Failed', B]]);
    expect(world.eventBus.events.at(-1)!.detail).toMatchObject({ action: 'error', error: { retryable: true } });
    expect(await run(() => world.invokeReconcile({ dryRun: false, accountIds: [B] }))).toEqual([
      ['Account Protected', B],
    ]);
  });

  it('a forced rotation: one External ID Rotated', async () => {
    expect(await run(() => world.invokeRotate({ accountIds: [A], force: true }))).toEqual([['External ID Rotated', A]]);
    expect(world.eventBus.events.at(-1)!.detail).toMatchObject({ action: 'rotate', trigger: 'rotation' });
  });

  it('an account that leaves scope: Account Offboarded; coming back: Account Protected', async () => {
    world.org.moveAccount(A, outOfScope);
    expect(await run(() => world.deliverEvent(moveAccount(A, inScope, outOfScope)))).toEqual([
      ['Account Offboarded', A],
    ]);
    expect(world.eventBus.events.at(-1)!.detail).toMatchObject({
      inScope: false,
      roles: [{ veeam: 'removed' }, { veeam: 'removed' }],
    });
    // A failure that lasts is no change: it was announced once (state item announced#protection-failed#<account>).
    expect(await run(() => world.invokeReconcile({ dryRun: false }))).toEqual([]);
    world.org.moveAccount(A, inScope);
    expect(await run(() => world.deliverEvent(moveAccount(A, outOfScope, inScope)))).toEqual([
      ['Account Protected', A],
    ]);
  });

  it('a bus that refuses events does not fail the account: WARN, and the account is protected', async () => {
    const warn = jest.spyOn(logger, 'warn');
    world.eventBus.setFailing(true);
    try {
      world.iam.role(A, 'VeeamBackupRole')!.inline.clear();
      const report = await convergeAccount(depsFor(), A, { dryRun: false, reason: 'manual' });
      expect(report.action).toBe('repair');
      expect(report.error).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(
        'lifecycle event not delivered',
        expect.objectContaining({ detailType: 'Account Protected', accountId: A, eventBusName: 'default' }),
      );
    } finally {
      world.eventBus.setFailing(false);
      warn.mockRestore();
    }
  });

  it('no event carries an external ID, the Veeam password or a token', () => {
    const ids = new Set<string>(world.veeam.state.list().map((e) => e.externalId ?? ''));
    for (const call of world.iam.calls)
      for (const doc of [call.input.AssumeRolePolicyDocument, call.input.PolicyDocument])
        if (typeof doc === 'string') for (const id of acceptedExternalIds(doc, APPLIANCE_ROLE_ARN)) ids.add(id);
    const secrets = [
      ...[...ids].filter((s) => s.length > 8),
      DEFAULT_SIM_USER.password,
      ...world.veeam.state.accessTokens.keys(),
      ...world.veeam.state.refreshTokens.keys(),
    ];
    // Both the current and every earlier (rotated) ID of the story are in the list.
    expect(ids.size).toBeGreaterThan(world.veeam.state.list().length);
    const text = JSON.stringify(world.eventBus.events);
    expect(world.eventBus.events.length).toBeGreaterThanOrEqual(8);
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it('every event put validates against its published JSON Schema (docs/events)', () => {
    const validators = new Map(
      lifecycleEventSchemas().map(({ detailType }) => [
        detailType,
        z.fromJSONSchema(JSON.parse(readFileSync(join(EVENT_SCHEMA_DIR, schemaFileName(detailType)), 'utf8'))),
      ]),
    );
    const asDelivered = (e: PutEvent) => ({
      version: '0',
      id: 'a1b2c3d4-0000-0000-0000-000000000000',
      'detail-type': e.detailType,
      source: e.source,
      account: '111111111111',
      time: '2026-11-30T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: e.detail,
    });
    const seen = new Set<string>();
    for (const e of world.eventBus.events) {
      const result = validators.get(e.detailType as never)!.safeParse(asDelivered(e));
      expect(result.error?.issues).toBeUndefined();
      seen.add(e.detailType);
    }
    expect([...seen].sort()).toEqual([
      'Account Not Covered',
      'Account Offboarded',
      'Account Protected',
      'Account Protection Failed',
      'External ID Rotated',
    ]);
    // The validators are strict: an extra field in detail (say, an externalId) fails.
    const one = asDelivered(world.eventBus.events[0]!);
    expect(
      validators.get('Account Protected')!.safeParse({ ...one, detail: { ...one.detail, externalId: 'x' } }).success,
    ).toBe(false);
  });
});

describe('the published schemas', () => {
  it('docs/events/*.schema.json are generated from the schemas the events are built with (npx tsx scripts/event-schemas.ts)', () => {
    for (const [name, doc] of Object.entries(eventSchemaDocs()))
      expect(JSON.parse(readFileSync(join(EVENT_SCHEMA_DIR, name), 'utf8'))).toEqual(doc);
  });
});

describe('which event a report implies', () => {
  const ctx = { installationId: 'blue', blueprints: [{ key: 'backup', register: true }] };
  const report = (over: Partial<AccountReport>): AccountReport => ({
    accountId: A,
    inScope: true,
    scopeReason: 'under ou-ab12-11111111',
    action: 'ok',
    roles: [{ blueprint: 'backup', roleName: 'R', role: 'ok', veeam: 'ok', changes: [] }],
    dryRun: false,
    ...over,
  });
  const type = (r: AccountReport, c: Partial<typeof ctx & { lastAttempt: boolean }> = {}) =>
    lifecycleEventOf(r, { ...ctx, ...c })?.detailType;

  it.each([
    ['ok', undefined],
    ['skip', undefined],
    ['create', 'Account Protected'],
    ['register', 'Account Protected'],
    ['update', 'Account Protected'],
    ['conflict', 'Account Protection Failed'],
  ] as const)('%s in scope -> %s', (action, expected) => {
    expect(type(report({ action }))).toBe(expected);
    expect(type(report({ action, dryRun: true }))).toBeUndefined();
  });

  it('a retryable error waits for the last attempt; a permanent one does not', () => {
    const error = { code: 'Retryable', message: 'not ready', retryable: true };
    expect(type(report({ action: 'error', error }), { lastAttempt: false })).toBeUndefined();
    expect(type(report({ action: 'error', error }), { lastAttempt: true })).toBe('Account Protection Failed');
    expect(type(report({ action: 'error', error: { ...error, retryable: false } }), { lastAttempt: false })).toBe(
      'Account Protection Failed',
    );
  });

  it('offboarding retained or refused is no change; a rotation that did not complete is none', () => {
    const refused: AccountReport['roles'] = [
      { blueprint: 'backup', roleName: 'R', role: 'unknown', veeam: 'refused', changes: ['x'] },
    ];
    expect(type(report({ inScope: false, action: 'offboard', roles: refused }))).toBeUndefined();
    const resumed: AccountReport['roles'] = [
      { blueprint: 'backup', roleName: 'R', role: 'ok', veeam: 'ok', changes: [], rotation: 'pushed' },
    ];
    expect(type(report({ action: 'rotate', roles: resumed }))).toBeUndefined();
  });

  it('names the installation and the Veeam entry only for roles Veeam uses', () => {
    const e = lifecycleEventOf(report({ action: 'create' }), {
      ...ctx,
      blueprints: [{ key: 'backup', register: false }],
    });
    expect(e?.detail).toMatchObject({ installationId: 'blue', roles: [{ roleName: 'R' }] });
    expect((e?.detail as { roles: object[] }).roles[0]).not.toHaveProperty('veeamEntryName');
  });
});
