import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { APPLIANCE_ROLE_ARN, QUEUES, startWorld, type World } from '../../sim/world';
import { redeliveryDelaySeconds, retryWindowSeconds } from '../../lib/queue/redelivery-delay';

const event = JSON.parse(
  readFileSync(path.join(__dirname, '../fixtures/create-account-result-succeeded.json'), 'utf8'),
) as Record<string, unknown>;
const ACCOUNT = '444455556666';
const OTHER = '444455557777';
/** The same event for another account (its own CloudTrail event id, so it is not deduplicated). */
function eventFor(accountId: string) {
  const detail = event.detail as { serviceEventDetails: { createAccountStatus: object } };
  return {
    ...event,
    id: `event-${accountId}`,
    detail: {
      ...detail,
      eventID: `cloudtrail-${accountId}`,
      serviceEventDetails: { createAccountStatus: { ...detail.serviceEventDetails.createAccountStatus, accountId } },
    },
  };
}

/**
 * A brand-new account denies AssumeRole for its first minutes. The world's clock skips every wait (the worker's
 * in-call backoff, the queue's redelivery delay), so this measures in simulated time what an operator would wait.
 */
describe('a new account that becomes assumable 90 s after its creation event', () => {
  // One world per file: the handlers read their configuration once per (simulated) container.
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.stop());

  it('is protected within 3 minutes of the event, by short increasing redelivery delays, never the visibility timeout', async () => {
    world.org.createAccount({ id: ACCOUNT, name: 'new-app' });
    const createdAt = world.clock.now();
    world.iam.addAccount(ACCOUNT, { notReadyUntil: createdAt + 90_000 });

    await world.deliverEvent(event);
    const { delivered, failed } = await world.drain();
    const protectedAfterMs = world.clock.now() - createdAt;

    const entries = world.veeam.state.list().filter((e) => e.accountId === ACCOUNT);
    expect(entries).toHaveLength(2);
    for (const e of entries)
      expect(world.iam.canAssume(ACCOUNT, e.roleName, APPLIANCE_ROLE_ARN, e.externalId)).toBe(true);
    expect(failed).toBeGreaterThan(0);
    expect(delivered).toBe(failed + 1);
    expect(protectedAfterMs).toBeGreaterThanOrEqual(90_000);
    expect(protectedAfterMs).toBeLessThanOrEqual(180_000);

    // Each retry asked for the next step of the schedule, far below the queue's 1800 s visibility timeout.
    const delays = world.sqs.stub
      .commandCalls(ChangeMessageVisibilityCommand)
      .map((c) => c.args[0].input.VisibilityTimeout);
    expect(delays).toEqual(Array.from({ length: failed }, (_, i) => redeliveryDelaySeconds(i + 1)));
    expect(world.sqs.messages(QUEUES.workerDlq)).toEqual([]);
  });

  it('without the shortened delay it would have waited for the visibility timeout (the fake models it)', async () => {
    world.org.createAccount({ id: OTHER, name: 'other-app' });
    const createdAt = world.clock.now();
    world.iam.addAccount(OTHER, { notReadyUntil: createdAt + 90_000 });
    // Last test of the file: this replaces the fake's ChangeMessageVisibility for good.
    world.sqs.stub
      .on(ChangeMessageVisibilityCommand)
      .rejects(Object.assign(new Error('Access denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));

    await world.deliverEvent(eventFor(OTHER));
    expect(await world.drain()).toEqual({ delivered: 2, failed: 1 });
    // The message is not lost: it comes back after the visibility timeout and then converges.
    expect(world.veeam.state.list().filter((e) => e.accountId === OTHER)).toHaveLength(2);
    expect(world.clock.now() - createdAt).toBeGreaterThanOrEqual(1_800_000);
  });
});

describe('the redelivery schedule', () => {
  it('starts at 10 s, doubles, caps at 5 minutes; the default 10 receives give about 25 minutes before the DLQ', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 12].map(redeliveryDelaySeconds)).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    expect(retryWindowSeconds(10)).toBe(1510);
  });
});
