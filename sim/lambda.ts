import type { Context, SQSRecord } from 'aws-lambda';

const REGION = 'us-east-1';
const ACCOUNT = '111111111111';

/** The Lambda context a handler wrapped with the Powertools middlewares reads; one per simulated function. */
export function lambdaContext(functionName = 'veeam-org-sync-test'): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sim',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 300_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface SqsMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
}

/** An SQS event record as the Lambda event source mapping delivers it from the account FIFO queue. */
export function sqsRecord(m: SqsMessage): SQSRecord {
  return {
    messageId: m.messageId,
    receiptHandle: `rh-${m.messageId}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: ACCOUNT,
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
      ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
      ...(m.sequenceNumber ? { SequenceNumber: m.sequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:veeam-org-sync-accounts.fifo`,
    awsRegion: REGION,
  };
}

/** What EventBridge delivers for a scheduled rule without a configured input: its documented envelope, whole. */
export function scheduledEvent(rule: 'reconcile' | 'rotate'): Record<string, unknown> {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: '2026-11-30T06:00:00Z',
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/veeam-org-sync-dev-${rule}-schedule`],
    detail: {},
  };
}
