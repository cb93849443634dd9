import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../functions/intake';
import { fixture } from '../support/event-fixtures';
import { lambdaContext } from '../../sim/lambda';

const ACCOUNT_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111111111111/veeam-org-sync-test-accounts.fifo';
const INTAKE_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/111111111111/veeam-org-sync-test-intake-dlq';
const sqs = mockClient(SQSClient);

beforeEach(() => {
  sqs.reset();
  sqs
    .on(SendMessageBatchCommand)
    .resolves({ Successful: [{ Id: '0', MessageId: 'm-1', MD5OfMessageBody: 'x' }], Failed: [] });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  process.env.ACCOUNT_QUEUE_URL = ACCOUNT_QUEUE_URL;
  process.env.INTAKE_DLQ_URL = INTAKE_DLQ_URL;
});

describe('intake handler', () => {
  it('sends a valid event to the FIFO queue, grouped by account and deduplicated by the CloudTrail event id', async () => {
    const result = await handler(fixture('create-managed-account'), lambdaContext());

    expect(result).toEqual({
      outcome: 'enqueued',
      accountId: '444455556666',
      eventId: 'b2c3d4e5-0003-4000-8000-000000000003',
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    const entry = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(entry.QueueUrl).toBe(ACCOUNT_QUEUE_URL);
    expect(entry.Entries).toHaveLength(1);
    expect(entry.Entries![0]).toMatchObject({
      MessageGroupId: '444455556666',
      MessageDeduplicationId: 'b2c3d4e5-0003-4000-8000-000000000003',
    });
    expect(JSON.parse(entry.Entries![0]!.MessageBody!)).toEqual({
      accountId: '444455556666',
      action: 'sync',
      reason: 'CreateManagedAccount',
      eventId: 'b2c3d4e5-0003-4000-8000-000000000003',
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('gives the same event delivered twice the same deduplication id', async () => {
    await handler(fixture('move-account'), lambdaContext());
    await handler(fixture('move-account'), lambdaContext());
    const ids = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries![0]!.MessageDeduplicationId);
    expect(ids).toEqual(['c3d4e5f6-0005-4000-8000-000000000005', 'c3d4e5f6-0005-4000-8000-000000000005']);
  });

  it('parks a malformed event in the intake DLQ with the reason, and returns normally (no retry)', async () => {
    const event = fixture('malformed-move-account-missing-account-id');
    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(INTAKE_DLQ_URL);
    expect(JSON.parse(sent.MessageBody!)).toEqual(event);
    expect(sent.MessageAttributes?.ERROR_CODE?.StringValue).toBe('InvalidEvent');
    expect(sent.MessageAttributes?.ERROR_MESSAGE?.StringValue).toMatch(/detail\.requestParameters\.accountId/);
    // A standard queue: FIFO fields would make SendMessage fail.
    expect(sent.MessageGroupId).toBeUndefined();
  });

  it.each(['irrelevant-create-policy', 'move-account-failed-call', 'create-account-result-failed'])(
    'sends nothing for %s',
    async (name) => {
      const result = await handler(fixture(name), lambdaContext());
      expect(result).toMatchObject({ outcome: 'ignored' });
      expect(sqs.calls()).toHaveLength(0);
    },
  );

  it('throws when the account queue is unreachable, so Lambda retries and then uses the on-failure destination', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('connect ETIMEDOUT'));
    await expect(handler(fixture('move-account'), lambdaContext())).rejects.toThrow('ETIMEDOUT');
  });

  it('throws when the DLQ is unreachable for a malformed event, rather than losing it', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('ServiceUnavailable'));
    await expect(handler(fixture('malformed-create-managed-account-bad-account-id'), lambdaContext())).rejects.toThrow(
      'ServiceUnavailable',
    );
  });

  it('names the missing queue setting', async () => {
    delete process.env.ACCOUNT_QUEUE_URL;
    await expect(handler(fixture('move-account'), lambdaContext())).rejects.toThrow(/ACCOUNT_QUEUE_URL is required/);
  });
});
