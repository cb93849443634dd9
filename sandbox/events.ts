import { randomUUID } from 'node:crypto';
import { MANAGEMENT_ACCOUNT } from '../sim/world';

/** EventBridge events as CloudTrail delivers them (shapes as in test/fixtures), for the sandbox story. */
function envelope(source: string, detailType: string, region: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: MANAGEMENT_ACCOUNT,
    time: new Date().toISOString(),
    region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventID: randomUUID(),
      eventTime: new Date().toISOString(),
      recipientAccountId: MANAGEMENT_ACCOUNT,
      ...detail,
    },
  };
}

export function createAccountResult(accountId: string) {
  return envelope('aws.organizations', 'AWS Service Event via CloudTrail', 'us-east-1', {
    eventSource: 'organizations.amazonaws.com',
    eventName: 'CreateAccountResult',
    eventType: 'AwsServiceEvent',
    awsRegion: 'us-east-1',
    userIdentity: { accountId: MANAGEMENT_ACCOUNT, invokedBy: 'AWS Internal' },
    requestParameters: null,
    responseElements: null,
    serviceEventDetails: {
      createAccountStatus: {
        id: 'car-0123456789abcdef',
        state: 'SUCCEEDED',
        accountName: '****',
        accountId,
        requestedTimestamp: 'Jan 10, 2026 9:20:50 AM',
        completedTimestamp: 'Jan 10, 2026 9:20:53 AM',
      },
    },
  });
}

export function createManagedAccount(accountId: string, ouId: string, name: string) {
  return envelope('aws.controltower', 'AWS Service Event via CloudTrail', 'eu-west-1', {
    eventSource: 'controltower.amazonaws.com',
    eventName: 'CreateManagedAccount',
    eventType: 'AwsServiceEvent',
    awsRegion: 'eu-west-1',
    serviceEventDetails: {
      createManagedAccountStatus: {
        organizationalUnit: { organizationalUnitName: 'Workloads', organizationalUnitId: ouId },
        account: { accountName: name, accountId },
        state: 'SUCCEEDED',
        message: 'AWS Control Tower successfully created a managed account.',
        requestedTimestamp: '2026-01-10T11:45:18+0000',
        completedTimestamp: '2026-01-10T12:09:32+0000',
      },
    },
  });
}

export function moveAccount(accountId: string, sourceParentId: string, destinationParentId: string) {
  return envelope('aws.organizations', 'AWS API Call via CloudTrail', 'us-east-1', {
    eventSource: 'organizations.amazonaws.com',
    eventName: 'MoveAccount',
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    userIdentity: {
      type: 'AssumedRole',
      accountId: MANAGEMENT_ACCOUNT,
      arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/Admin/alice`,
    },
    requestParameters: { accountId, sourceParentId, destinationParentId },
    responseElements: null,
  });
}
