import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConfigError } from '../../lib/errors';
import type { AccountReport } from '../../lib/account/account-report';
import { lambdaContext, sqsRecord } from '../../sim/lambda';

// The domain service stands in for IAM, Organizations and Veeam: the worker's contract is what it does with a report.
const handle = jest.fn<Promise<AccountReport>, [unknown]>();
const getService = jest.fn((_wiring?: unknown) => Promise.resolve({ handle }));
jest.mock('../../functions/service', () => ({ getService: (wiring?: unknown) => getService(wiring) }));

// Imported after jest.mock so the worker binds to the stand-in service.
import { handler } from '../../functions/worker';

const WORKER_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/111111111111/veeam-org-sync-test-worker-dlq.fifo';
const ACCOUNT_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111111111111/veeam-org-sync-test-accounts.fifo';
const sqs = mockClient(SQSClient);

function report(accountId: string, error?: AccountReport['error']): AccountReport {
  return {
    accountId,
    inScope: true,
    scopeReason: 'in scope',
    action: error ? 'error' : 'ok',
    roles: [],
    dryRun: false,
    ...(error ? { error } : {}),
  };
}

let seq = 0;
function record(body: unknown, opts: { group?: string; receiveCount?: number } = {}): SQSRecord {
  seq += 1;
  return sqsRecord({
    messageId: `msg-${seq}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    receiveCount: opts.receiveCount ?? 1,
    groupId: opts.group ?? (typeof body === 'object' && body ? (body as { accountId: string }).accountId : 'g'),
    dedupId: `d-${seq}`,
    sequenceNumber: String(seq),
  });
}

const sync = (accountId: string) => ({ accountId, action: 'sync', reason: 'MoveAccount', eventId: `ev-${accountId}` });
const invoke = (records: SQSRecord[]) => handler({ Records: records } satisfies SQSEvent, lambdaContext());

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
  handle.mockReset();
  getService.mockClear();
  process.env.WORKER_DLQ_URL = WORKER_DLQ_URL;
  process.env.MAX_RECEIVE_COUNT = '5';
  process.env.ACCOUNT_QUEUE_URL = ACCOUNT_QUEUE_URL;
});

const visibilityChanges = () =>
  sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => ({
    handle: c.args[0].input.ReceiptHandle,
    seconds: c.args[0].input.VisibilityTimeout,
  }));

describe('worker handler', () => {
  it('acknowledges every converged account', async () => {
    handle.mockImplementation((req) => Promise.resolve(report((req as { accountId: string }).accountId)));
    const out = await invoke([record(sync('111111111111')), record(sync('222222222222'))]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(handle).toHaveBeenCalledTimes(2);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('retries a transient failure of one account without holding back the others, but holds back that account', async () => {
    handle.mockImplementation((req) => {
      const { accountId } = req as { accountId: string };
      return Promise.resolve(
        accountId === '111111111111'
          ? report(accountId, { code: 'Throttling', message: 'Rate exceeded', retryable: true })
          : report(accountId),
      );
    });
    const first = record(sync('111111111111'));
    const other = record(sync('222222222222'));
    const sameAccountLater = record({ ...sync('111111111111'), eventId: 'ev-later' });
    const out = await invoke([first, other, sameAccountLater]);

    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [first.messageId, sameAccountLater.messageId].sort(),
    );
    expect(handle).toHaveBeenCalledTimes(2); // the later message of the failed account is not processed out of order
    // Both come back in 10 s (first receive), not after the visibility timeout; nothing is dead-lettered.
    expect(visibilityChanges()).toEqual(
      expect.arrayContaining([
        { handle: first.receiptHandle, seconds: 10 },
        { handle: sameAccountLater.receiptHandle, seconds: 10 },
      ]),
    );
    expect(visibilityChanges()).toHaveLength(2);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('waits longer on each receive of a request that cannot proceed yet, up to 5 minutes', async () => {
    handle.mockResolvedValue(
      report('111111111111', { code: 'MemberAccessDenied', message: 'new account', retryable: true }),
    );
    process.env.MAX_RECEIVE_COUNT = '10';
    const seen: number[] = [];
    for (const receiveCount of [1, 2, 3, 4, 5, 6, 9]) {
      sqs.resetHistory();
      const out = await invoke([record(sync('111111111111'), { receiveCount })]);
      expect(out.batchItemFailures).toHaveLength(1);
      seen.push(visibilityChanges()[0]!.seconds!);
    }
    expect(seen).toEqual([10, 20, 40, 80, 160, 300, 300]);
  });

  it('still retries (after the visibility timeout) when the delay cannot be set', async () => {
    handle.mockResolvedValue(report('111111111111', { code: 'Throttling', message: 'Rate exceeded', retryable: true }));
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('AccessDenied'));
    const msg = record(sync('111111111111'));
    const out = await invoke([msg]);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: msg.messageId }]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('sends a non-retryable failure to the worker DLQ with its reason and acknowledges it', async () => {
    handle.mockResolvedValue(
      report('111111111111', {
        code: 'OwnershipConflict',
        message: 'VeeamBackupRole exists and is not ours',
        retryable: false,
      }),
    );
    const msg = record(sync('111111111111'));
    const out = await invoke([msg]);

    expect(out).toEqual({ batchItemFailures: [] });
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      QueueUrl: WORKER_DLQ_URL,
      MessageBody: msg.body,
      MessageGroupId: '111111111111',
      MessageDeduplicationId: msg.messageId,
    });
    expect(sent.MessageAttributes?.ERROR_CODE?.StringValue).toBe('OwnershipConflict');
    expect(sent.MessageAttributes?.ERROR_MESSAGE?.StringValue).toMatch(/is not ours/);
  });

  it('sends a retryable failure to the DLQ itself on the last receive, so the reason is not lost', async () => {
    handle.mockRejectedValue(Object.assign(new Error('appliance unreachable'), { code: 'ECONNREFUSED' }));
    const out = await invoke([record(sync('111111111111'), { receiveCount: 5 })]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(
      sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes?.ERROR_MESSAGE?.StringValue,
    ).toMatch(/appliance unreachable \(receive 5/);
  });

  it('sends an unclassified error (a bug) to the DLQ on its first receive, with its reason', async () => {
    handle.mockRejectedValue(new TypeError("Cannot read properties of undefined (reading 'roles')"));
    const out = await invoke([record(sync('111111111111'))]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(visibilityChanges()).toEqual([]);
    const attrs = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes;
    expect(attrs?.ERROR_CODE?.StringValue).toBe('TypeError');
    expect(attrs?.ERROR_MESSAGE?.StringValue).toMatch(/reading 'roles'\) \(receive 1, retryable: false\)/);
  });

  it('retries a throttled call that escaped the SDK (a documented transient signal)', async () => {
    handle.mockRejectedValue(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    );
    const msg = record(sync('111111111111'));
    expect(await invoke([msg])).toEqual({ batchItemFailures: [{ itemIdentifier: msg.messageId }] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('sends a malformed message to the DLQ at once, without calling the service', async () => {
    const out = await invoke([record('{"accountId":"12"}', { group: 'g1' })]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(handle).not.toHaveBeenCalled();
    const attrs = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes;
    expect(attrs?.ERROR_CODE?.StringValue).toBe('InvalidInput');
    expect(attrs?.ERROR_MESSAGE?.StringValue).toMatch(/accountId: must be a 12-digit AWS account id/);
  });

  it('dead-letters with the configuration problems when the service cannot be built', async () => {
    getService.mockImplementationOnce(() => Promise.reject(new ConfigError(['VEEAM_URL is required but not set.'])));
    await invoke([record(sync('111111111111'))]);
    expect(
      sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes?.ERROR_MESSAGE?.StringValue,
    ).toMatch(/VEEAM_URL is required/);
  });

  it('leaves the message on the queue when even the DLQ is unreachable', async () => {
    handle.mockResolvedValue(
      report('111111111111', { code: 'OwnershipConflict', message: 'not ours', retryable: false }),
    );
    sqs.on(SendMessageCommand).rejects(new Error('ServiceUnavailable'));
    const msg = record(sync('111111111111'));
    const out = await invoke([msg]);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: msg.messageId }]);
  });
});
