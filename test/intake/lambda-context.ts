import type { Context } from 'aws-lambda';

/** The minimum a handler wrapped with the Powertools middlewares reads from the Lambda context. */
export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'veeam-org-sync-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:veeam-org-sync-test',
  memoryLimitInMB: '256',
  awsRequestId: '00000000-0000-4000-8000-000000000000',
  logGroupName: '/aws/lambda/veeam-org-sync-test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;
