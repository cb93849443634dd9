import { InvalidInputError } from '../../lib/errors';
import { lambdaContext, scheduledEvent } from '../../sim/lambda';

// The domain service stands in for Organizations, IAM and Veeam: these handlers only validate, delegate and return.
const reconcile = jest.fn((opts: unknown) =>
  Promise.resolve({ dryRun: (opts as { dryRun: boolean }).dryRun, enqueued: 0 }),
);
const scheduleRotations = jest.fn((_opts: unknown) =>
  Promise.resolve({ enqueued: 2, accounts: ['111111111111', '222222222222'] }),
);
const getService = jest.fn((_wiring?: unknown) => Promise.resolve({ reconcile, scheduleRotations }));
jest.mock('../../functions/service', () => ({ getService: (wiring?: unknown) => getService(wiring) }));

// Imported after jest.mock so the handlers bind to the stand-in service.
import { handler as reconcileHandler } from '../../functions/reconcile';
import { handler as rotateHandler } from '../../functions/rotate';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111111111111/veeam-org-sync-dev-accounts.fifo';

beforeEach(() => {
  process.env.ACCOUNT_QUEUE_URL = QUEUE;
  reconcile.mockClear();
  scheduleRotations.mockClear();
  getService.mockClear();
});

describe('reconcile handler', () => {
  it('returns the service report for a manual dry run of named accounts', async () => {
    const out = await reconcileHandler({ dryRun: true, accountIds: ['444455556666'] }, lambdaContext());
    expect(reconcile).toHaveBeenCalledWith({ dryRun: true, accountIds: ['444455556666'] });
    expect(out).toEqual({ dryRun: true, enqueued: 0 });
  });

  it("never turns a dry run that borrows a scheduled event's detail-type into a real run", async () => {
    await expect(reconcileHandler({ dryRun: true, 'detail-type': 'Scheduled Event' }, lambdaContext())).rejects.toThrow(
      /not a whole EventBridge "Scheduled Event"/,
    );
    expect(reconcile).not.toHaveBeenCalled();
  });

  it('refuses a mistyped payload before touching anything', async () => {
    await expect(reconcileHandler({ dryrun: true }, lambdaContext())).rejects.toThrow(InvalidInputError);
    expect(reconcile).not.toHaveBeenCalled();
  });
});

describe('rotate handler', () => {
  it('schedules rotations for everything on the daily schedule', async () => {
    const scheduled = scheduledEvent('rotate');
    const out = await rotateHandler(scheduled, lambdaContext());
    expect(scheduleRotations).toHaveBeenCalledWith({});
    expect(out).toEqual({ enqueued: 2, accounts: ['111111111111', '222222222222'] });
  });
});

describe('serverless invoke local without the stack queue', () => {
  afterEach(() => {
    process.env.ACCOUNT_QUEUE_URL = QUEUE;
  });

  it('reconcile and rotate name ACCOUNT_QUEUE_URL and how to set it; a dry run needs no queue', async () => {
    delete process.env.ACCOUNT_QUEUE_URL;
    await expect(reconcileHandler({ dryRun: false }, lambdaContext())).rejects.toThrow(
      /ACCOUNT_QUEUE_URL is required but not set.*--env ACCOUNT_QUEUE_URL=<the stack's AccountQueueUrl output>/,
    );
    await expect(rotateHandler({}, lambdaContext())).rejects.toThrow(/ACCOUNT_QUEUE_URL is required/);
    expect(reconcile).not.toHaveBeenCalled();
    expect(scheduleRotations).not.toHaveBeenCalled();
    await expect(reconcileHandler({ dryRun: true }, lambdaContext())).resolves.toEqual({ dryRun: true, enqueued: 0 });
  });
});
