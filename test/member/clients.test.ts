import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { HttpRequest } from '@smithy/types';
import { Readable } from 'node:stream';
import { resetAwsClients } from '../../lib/aws/client-cache';
import { iamClient, iamClientForCredentials } from '../../lib/aws/iam-client';
import { organizationsClient } from '../../lib/aws/organizations-client';
import { stsClient } from '../../lib/aws/sts-client';

const XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const throttled = `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
const noSuchEntity = `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name R cannot be found.</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
const role = `<GetRoleResponse xmlns="${XMLNS}"><GetRoleResult><Role><Path>/</Path><RoleName>R</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::444455556666:role/R</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></Role></GetRoleResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></GetRoleResponse>`;

/** Answers at the HTTP layer, below the SDK's retry middleware (aws-sdk-client-mock replaces send() and would skip it). */
function http(responses: Array<[number, string]>) {
  const requests: HttpRequest[] = [];
  return {
    requests,
    handler: {
      handle: (req: HttpRequest) => {
        requests.push(req);
        const [statusCode, body] = responses[Math.min(requests.length - 1, responses.length - 1)]!;
        return Promise.resolve({
          response: { statusCode, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) },
        });
      },
    },
  };
}

const creds = { accessKeyId: 'FAKE444455556666T', secretAccessKey: 'x' };

describe('member-account IAM client', () => {
  it('retries IAM throttling (400 Throttling: Rate exceeded) by itself', async () => {
    const h = http([
      [400, throttled],
      [200, role],
    ]);
    const iam = iamClientForCredentials(creds, { region: 'us-east-1', requestHandler: h.handler });
    const res = await iam.send(new GetRoleCommand({ RoleName: 'R' }));
    expect(res.Role?.RoleName).toBe('R');
    expect(h.requests).toHaveLength(2);
  });

  it('does not retry a definitive answer such as NoSuchEntity', async () => {
    const h = http([[404, noSuchEntity]]);
    const iam = iamClientForCredentials(creds, { region: 'us-east-1', requestHandler: h.handler });
    await expect(iam.send(new GetRoleCommand({ RoleName: 'R' }))).rejects.toBeInstanceOf(NoSuchEntityException);
    expect(h.requests).toHaveLength(1);
  });

  it('sends to AWS_ENDPOINT_URL when set (how the sandbox redirects the SDK)', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    try {
      const h = http([[200, role]]);
      await iamClientForCredentials(creds, { region: 'us-east-1', requestHandler: h.handler }).send(
        new GetRoleCommand({ RoleName: 'R' }),
      );
      expect([h.requests[0]?.hostname, h.requests[0]?.port]).toEqual(['127.0.0.1', 4566]);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});

describe("the service's own clients", () => {
  beforeEach(() => resetAwsClients());

  it('creates each client once per container', () => {
    expect(iamClient()).toBe(iamClient());
    expect(stsClient()).toBe(stsClient());
  });

  it('retries more than the SDK default and always calls Organizations in us-east-1', async () => {
    const c = { iam: iamClient(), sts: stsClient(), organizations: organizationsClient() };
    expect(await c.iam.config.maxAttempts()).toBe(8);
    expect(await c.sts.config.maxAttempts()).toBe(8);
    expect(await c.organizations.config.maxAttempts()).toBe(10);
    expect(await c.organizations.config.region()).toBe('us-east-1');
    const mode: unknown = c.iam.config.retryMode;
    expect(typeof mode === 'function' ? await (mode as () => Promise<string>)() : mode).toBe('standard');
  });
});
