import { decodeQuery, endpointEnv, queueUrlVia, toXml } from '../../sim/aws/http-gateway';

// The zip-level tests (test/bundles) trust this gateway to carry IAM/STS requests faithfully; these pin its encoding.
describe('the AWS HTTP gateway encodings', () => {
  it('decodes a Query request with lists of structures, lists of strings and numbers', () => {
    const body = new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: 'VeeamBackupRole',
      MaxSessionDuration: '3600',
      'Tags.member.1.Key': 'veeam-org-sync:managed',
      'Tags.member.1.Value': 'true',
      'Tags.member.2.Key': 'owner',
      'Tags.member.2.Value': 'backup & restore',
      'TagKeys.member.1': 'a',
      'TagKeys.member.2': 'b',
    }).toString();
    expect(decodeQuery(body)).toEqual({
      action: 'CreateRole',
      input: {
        RoleName: 'VeeamBackupRole',
        MaxSessionDuration: 3600,
        Tags: [
          { Key: 'veeam-org-sync:managed', Value: 'true' },
          { Key: 'owner', Value: 'backup & restore' },
        ],
        TagKeys: ['a', 'b'],
      },
    });
  });

  it('encodes Query output as AWS does: <member> lists, ISO timestamps, escaped text, no $metadata', () => {
    const xml = toXml({
      Role: { RoleName: 'R', CreateDate: new Date('2026-01-02T03:04:05Z'), Tags: [{ Key: 'k', Value: '<&>' }] },
      PolicyNames: ['p1', 'p2'],
      IsTruncated: false,
      $metadata: { httpStatusCode: 200 },
    });
    expect(xml).toBe(
      '<Role><RoleName>R</RoleName><CreateDate>2026-01-02T03:04:05.000Z</CreateDate>' +
        '<Tags><member><Key>k</Key><Value>&lt;&amp;&gt;</Value></member></Tags></Role>' +
        '<PolicyNames><member>p1</member><member>p2</member></PolicyNames><IsTruncated>false</IsTruncated>',
    );
  });

  it('gives every service its own endpoint variable and queue URLs on the gateway', () => {
    const env = endpointEnv('http://127.0.0.1:9');
    expect(env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe('http://127.0.0.1:9/secretsmanager');
    expect(env.AWS_ENDPOINT_URL_IAM).toBe('http://127.0.0.1:9/iam');
    expect(queueUrlVia('http://127.0.0.1:9', 'https://sqs.us-east-1.amazonaws.com/111111111111/q.fifo')).toBe(
      'http://127.0.0.1:9/sqs/111111111111/q.fifo',
    );
  });
});
