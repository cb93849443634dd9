import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RetryableError } from '../../lib/errors';
import { SqsAccountQueue } from '../../lib/queue/sqs-queue';
import type { AccountRequest } from '../../lib/queue/types';

const URL = 'https://sqs.us-east-1.amazonaws.com/111111111111/q.fifo';
const sqs = mockClient(SQSClient);
const NOW = Date.UTC(2026, 0, 10, 9, 0, 0);
const noSleep = () => Promise.resolve();

function accounts(n: number, reason = 'reconcile'): AccountRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    accountId: String(100000000000 + i),
    action: 'sync' as const,
    reason,
  }));
}

beforeEach(() => sqs.reset());

describe('SqsAccountQueue', () => {
  it('sends in batches of at most 10', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SqsAccountQueue(URL, { now: () => NOW, sleep: noSleep }).send(accounts(23));
    const sizes = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('dedupes scheduled requests per reason, account and 5-minute window', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const queue = new SqsAccountQueue(URL, { now: () => NOW, sleep: noSleep });
    await queue.send([
      { accountId: '111122223333', action: 'sync', reason: 'reconcile' },
      { accountId: '111122223333', action: 'rotate', reason: 'rotation-due' },
    ]);
    const entries = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!;
    const bucket = Math.floor(NOW / 300_000);
    expect(entries.map((e) => e.MessageDeduplicationId)).toEqual([
      `reconcile-111122223333-${bucket}`,
      `rotate-rotation-due-111122223333-${bucket}`,
    ]);
    expect(entries.map((e) => e.MessageGroupId)).toEqual(['111122223333', '111122223333']);
  });

  it('retries only the entries that failed, then succeeds', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: 'x' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
      })
      .resolvesOnce({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: 'y' }], Failed: [] });
    await new SqsAccountQueue(URL, { now: () => NOW, sleep: noSleep }).send(accounts(2));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries!.map((e) => e.MessageGroupId)).toEqual(['100000000001']);
  });

  it('throws a RetryableError naming the accounts it could not enqueue', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const err = await new SqsAccountQueue(URL, { now: () => NOW, sleep: noSleep })
      .send(accounts(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/100000000000: InternalError/);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
  });

  it('does not resend an entry SQS rejected as malformed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });
    await expect(new SqsAccountQueue(URL, { now: () => NOW, sleep: noSleep }).send(accounts(1))).rejects.toThrow(
      /InvalidParameterValue/,
    );
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });
});
