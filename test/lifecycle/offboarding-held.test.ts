import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../../lib/config';
import type { Deps } from '../../lib/deps';
import { EventBridgeLifecycle } from '../../lib/lifecycle/eventbridge-lifecycle';
import type { LifecycleEvent } from '../../lib/lifecycle/types';
import { announceOffboardingHeld, offboardingHeldEvent } from '../../lib/account/offboarding-held';
import { installEventBridgeFake, type EventBridgeFake } from '../../sim/aws/eventbridge-fake';
import { EVENT_SCHEMA_DIR } from '../../scripts/event-schemas';

const guard = { held: true, wouldOffboard: 12, limit: 5, accounts: ['111122223333', '444455556666'] };
const config = loadConfig({
  VEEAM_URL: 'https://10.0.1.10:11005',
  VEEAM_SECRET_ID: 's',
  VEEAM_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/V',
  INSTALLATION_ID: 'blue',
  EVENT_BUS_NAME: 'ops-bus',
});

let bus: EventBridgeFake;
beforeEach(() => (bus = installEventBridgeFake()));
afterEach(() => bus.restore());

const deps = { config, lifecycle: new EventBridgeLifecycle(config.eventBusName) } as unknown as Deps; // only what announcing reads

describe('Offboarding Held', () => {
  it('one event when a real reconcile is held, naming the count, the limit, the accounts and how to confirm', async () => {
    await announceOffboardingHeld(deps, guard, false);
    expect(bus.events).toHaveLength(1);
    const [e] = bus.events;
    expect(e).toMatchObject({ eventBusName: 'ops-bus', source: 'veeam-org-sync', detailType: 'Offboarding Held' });
    expect(e!.detail).toMatchObject({ installationId: 'blue', wouldOffboard: 12, limit: 5, accounts: guard.accounts });
    expect(e!.detail.reason).toMatch(/--allow-offboard 12/);
    const schema = z.fromJSONSchema(
      JSON.parse(readFileSync(join(EVENT_SCHEMA_DIR, 'offboarding-held.schema.json'), 'utf8')),
    );
    expect(schema.safeParse({ source: e!.source, 'detail-type': e!.detailType, detail: e!.detail }).success).toBe(true);
  });

  it('none when the guard did not hold, in a dry run, or without a guard', async () => {
    await announceOffboardingHeld(deps, { ...guard, held: false }, false);
    await announceOffboardingHeld(deps, guard, true);
    await announceOffboardingHeld(deps, undefined, false);
    expect(bus.events).toHaveLength(0);
  });

  it('lists at most 1000 accounts, so the event stays far below the PutEvents size limit', () => {
    const accounts = Array.from({ length: 10_000 }, (_, i) => String(100000000000 + i));
    const e = offboardingHeldEvent({ held: true, wouldOffboard: 10_000, limit: 5, accounts }, 'blue');
    expect((e!.detail as { accounts: string[] }).accounts).toHaveLength(1000);
    expect(JSON.stringify(e).length).toBeLessThan(64 * 1024);
  });
});

describe('EventBridgeLifecycle', () => {
  const event = (i: number): LifecycleEvent => offboardingHeldEvent({ ...guard, wouldOffboard: i }, 'blue')!;

  it('puts at most 10 entries per PutEvents call', async () => {
    await new EventBridgeLifecycle('default').publish(Array.from({ length: 23 }, (_, i) => event(i)));
    expect(bus.stub.calls().map((c) => (c.args[0].input as { Entries: unknown[] }).Entries.length)).toEqual([
      10, 10, 3,
    ]);
    expect(bus.events.map((e) => e.detail.wouldOffboard)).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('a refused entry (PutEvents answers 200 with FailedEntryCount) is an error naming the bus and the code', async () => {
    bus.setFailing(true);
    await expect(new EventBridgeLifecycle('ops-bus').publish([event(1)])).rejects.toThrow(
      /refused 1 of 1 lifecycle events on bus "ops-bus" \(InternalFailure: simulated failure\)/,
    );
  });
});

describe('EVENT_BUS_NAME', () => {
  const env = {
    VEEAM_URL: 'https://10.0.1.10:11005',
    VEEAM_SECRET_ID: 's',
    VEEAM_PRINCIPAL_ARN: config.veeamPrincipalArn,
  };

  it('defaults to the default bus and takes a bus name', () => {
    expect(loadConfig(env).eventBusName).toBe('default');
    expect(loadConfig({ ...env, EVENT_BUS_NAME: 'platform-events' }).eventBusName).toBe('platform-events');
  });

  it('refuses an ARN, naming the variable and the fix (the functions may put events on their own bus only)', () => {
    expect(() =>
      loadConfig({ ...env, EVENT_BUS_NAME: 'arn:aws:events:us-east-1:222222222222:event-bus/central' }),
    ).toThrow(/EVENT_BUS_NAME "arn:aws:events:.*" must be the name \(not the ARN\).*stack parameter eventBusName/);
  });
});
