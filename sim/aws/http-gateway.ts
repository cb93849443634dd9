import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as iam from '@aws-sdk/client-iam';
import * as lambda from '@aws-sdk/client-lambda';
import * as organizations from '@aws-sdk/client-organizations';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as sqs from '@aws-sdk/client-sqs';
import * as sts from '@aws-sdk/client-sts';

/**
 * The in-memory fakes (sim/aws) behind real AWS wire protocols, for code that cannot be reached by
 * aws-sdk-client-mock: the packaged bundles, which carry their own copy of the SDK and run in another process.
 * A bundle's SDK clients are pointed here with AWS_ENDPOINT_URL_<SERVICE>; each request is decoded (JSON 1.0/1.1 or
 * Query), replayed as the same command on a client of this process (whose `send` the fake has replaced), and the
 * fake's answer or error is encoded back the way AWS encodes it. The caller's access key (from the SigV4
 * Authorization header) becomes the replayed client's credentials, so the fakes see who is calling, as they do
 * in-process. Signatures are not checked.
 */

type Protocol = 'json' | 'query' | 'rest-json';
interface Service {
  protocol: Protocol;
  /** The SDK package whose client and command classes replay the request. */
  sdk: Record<string, unknown>;
  client: string;
  /** Query protocol response namespace. */
  xmlns?: string;
}

const SERVICES: Record<string, Service> = {
  sqs: { protocol: 'json', sdk: sqs, client: 'SQSClient' },
  dynamodb: { protocol: 'json', sdk: dynamodb, client: 'DynamoDBClient' },
  organizations: { protocol: 'json', sdk: organizations, client: 'OrganizationsClient' },
  secretsmanager: { protocol: 'json', sdk: secretsManager, client: 'SecretsManagerClient' },
  iam: { protocol: 'query', sdk: iam, client: 'IAMClient', xmlns: 'https://iam.amazonaws.com/doc/2010-05-08/' },
  sts: { protocol: 'query', sdk: sts, client: 'STSClient', xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/' },
  // REST-JSON: the operation is in the method and path; only what the CLI's doctor reads is routed.
  lambda: { protocol: 'rest-json', sdk: lambda, client: 'LambdaClient' },
};

/** REST-JSON operations by method and path (the SDK's http trait), with where their input comes from. */
function restOperation(method: string, url: URL): { action: string; input: Record<string, unknown> } | undefined {
  if (
    method === 'GET' &&
    url.pathname.endsWith('/2018-10-31/layers') &&
    url.searchParams.get('find') === 'LayerVersion'
  )
    return { action: 'GetLayerVersionByArn', input: { Arn: url.searchParams.get('Arn') ?? '' } };
  return undefined;
}

/** The environment that points every SDK client of a process at the gateway (one path per service). */
export function endpointEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: `${url}/any`,
    AWS_ENDPOINT_URL_SQS: `${url}/sqs`,
    AWS_ENDPOINT_URL_DYNAMODB: `${url}/dynamodb`,
    AWS_ENDPOINT_URL_ORGANIZATIONS: `${url}/organizations`,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `${url}/secretsmanager`,
    AWS_ENDPOINT_URL_IAM: `${url}/iam`,
    AWS_ENDPOINT_URL_STS: `${url}/sts`,
    AWS_ENDPOINT_URL_EVENTBRIDGE: `${url}/events`,
    AWS_ENDPOINT_URL_LAMBDA: `${url}/lambda`,
  };
}

/**
 * The SQS client sends to the queue URL's host, whatever its endpoint setting says; so code under test gets queue
 * URLs on the gateway (`<gateway>/sqs/<account>/<queue>`), and the gateway hands the fake the AWS URL it knows.
 */
export function queueUrlVia(gatewayUrl: string, awsQueueUrl: string): string {
  return `${gatewayUrl}/sqs${new URL(awsQueueUrl).pathname}`;
}

export interface GatewayCall {
  service: string;
  action: string;
  /** The path the client used: proves which AWS_ENDPOINT_URL_* variable it honoured. */
  path: string;
  status: number;
  error?: string;
}

export interface AwsHttpGateway {
  url: string;
  calls: GatewayCall[];
  /** EventBridge PutEvents entries (no fake models EventBridge; the gateway accepts and records them). */
  events: Record<string, unknown>[];
  stop(): Promise<void>;
}

const QUERY_NUMBERS = new Set(['MaxItems', 'DurationSeconds', 'MaxSessionDuration']);

/** `Tags.member.1.Key=a&Tags.member.1.Value=b` -> { Tags: [{ Key: 'a', Value: 'b' }] } (Query protocol lists). */
export function decodeQuery(body: string): { action: string; input: Record<string, unknown> } {
  const params = new URLSearchParams(body);
  const input: Record<string, unknown> = {};
  for (const [key, raw] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = input;
    for (let i = 0; i < parts.length; i++) {
      let part: string | number = parts[i]!;
      if (part === 'member') continue;
      if (/^\d+$/.test(part)) part = Number(part) - 1;
      const last = i === parts.length - 1;
      const value: unknown = QUERY_NUMBERS.has(String(part)) ? Number(raw) : raw;
      const nextIsList = parts[i + 1] === 'member';
      const container = node as Record<string | number, unknown>;
      if (last) container[part] = value;
      else container[part] ??= nextIsList ? [] : {};
      node = container[part] as Record<string, unknown> | unknown[];
    }
  }
  return { action: params.get('Action') ?? '', input };
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Query protocol output: nested elements, lists as <member> items, timestamps as ISO 8601. */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object')
    return Object.entries(value)
      .filter(([k, v]) => !k.startsWith('$') && v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** JSON protocols carry timestamps as epoch seconds. */
function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    if (key.startsWith('$')) return undefined;
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : v;
  });
}

function accessKeyOf(req: IncomingMessage): string {
  return /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';
}
function signingServiceOf(req: IncomingMessage): string | undefined {
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

/** Query protocol error codes are the exception names without "Exception" (NoSuchEntity, EntityAlreadyExists). */
const queryCode = (name: string) => name.replace(/Exception$/, '');

export async function startAwsHttpGateway(opts: { region?: string } = {}): Promise<AwsHttpGateway> {
  const region = opts.region ?? 'us-east-1';
  let url = '';
  const calls: GatewayCall[] = [];
  const events: Record<string, unknown>[] = [];

  const reply = (res: ServerResponse, status: number, type: string, body: string, headers = {}) => {
    res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID(), ...headers });
    res.end(body);
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const fromPath = path.split('/')[1] ?? '';
    const serviceName = fromPath in SERVICES || fromPath === 'events' ? fromPath : (signingServiceOf(req) ?? '');
    const target = String(req.headers['x-amz-target'] ?? '');
    const call: GatewayCall = { service: serviceName, action: '', path, status: 200 };
    calls.push(call);

    if (serviceName === 'events') {
      call.action = target.split('.').pop() ?? '';
      if (call.action !== 'PutEvents') {
        call.status = 400;
        return reply(res, 400, 'application/x-amz-json-1.1', toJson({ __type: 'UnknownOperationException' }));
      }
      const entries = (JSON.parse(body) as { Entries?: Record<string, unknown>[] }).Entries ?? [];
      events.push(...entries);
      return reply(
        res,
        200,
        'application/x-amz-json-1.1',
        toJson({ FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) }),
      );
    }

    const service = SERVICES[serviceName];
    if (!service) {
      call.status = 501;
      return reply(res, 501, 'text/plain', `the AWS gateway does not serve "${serviceName}" (path ${path})`);
    }
    const rest =
      service.protocol === 'rest-json'
        ? restOperation(req.method ?? 'GET', new URL(req.url ?? '/', 'http://gateway'))
        : undefined;
    if (service.protocol === 'rest-json' && !rest) {
      call.status = 501;
      return reply(
        res,
        501,
        'text/plain',
        `the AWS gateway routes no ${serviceName} operation at ${req.method} ${path}`,
      );
    }
    const { action, input } =
      rest ??
      (service.protocol === 'json'
        ? { action: target.split('.').pop() ?? '', input: JSON.parse(body || '{}') as Record<string, unknown> }
        : decodeQuery(body));
    call.action = action;
    if (serviceName === 'sqs' && typeof input.QueueUrl === 'string' && input.QueueUrl.startsWith(`${url}/sqs/`))
      input.QueueUrl = `https://sqs.${region}.amazonaws.com/${input.QueueUrl.slice(`${url}/sqs/`.length)}`;

    const Client = service.sdk[service.client] as new (config: object) => { send(command: object): Promise<unknown> };
    const Command = service.sdk[`${action}Command`] as (new (input: object) => object) | undefined;
    // Only a client whose send a fake has replaced may be used: anything else would go to the real AWS.
    const { prototype } = Client as unknown as { prototype: { send: { restore?: unknown } } };
    const stubbed = typeof prototype.send.restore === 'function';
    if (!Command || !stubbed) {
      call.status = 501;
      return reply(res, 501, 'text/plain', `no fake answers ${serviceName} ${action}`);
    }
    const client = new Client({
      region,
      credentials: { accessKeyId: accessKeyOf(req), secretAccessKey: 'gateway' },
    });
    try {
      const output = await client.send(new Command(input));
      if (service.protocol === 'json') return reply(res, 200, `application/x-amz-json-1.0`, toJson(output ?? {}));
      if (service.protocol === 'rest-json') return reply(res, 200, 'application/json', toJson(output ?? {}));
      return reply(
        res,
        200,
        'text/xml',
        `<${action}Response xmlns="${service.xmlns}"><${action}Result>${toXml(output)}</${action}Result>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
      const status = e.$metadata?.httpStatusCode ?? 400;
      const name = e.name ?? 'InternalFailure';
      call.status = status;
      call.error = name;
      if (service.protocol === 'rest-json')
        return reply(res, status, 'application/json', toJson({ message: e.message }), { 'x-amzn-errortype': name });
      if (service.protocol === 'json')
        return reply(res, status, 'application/x-amz-json-1.0', toJson({ __type: name, message: e.message }), {
          'x-amzn-errortype': name,
        });
      return reply(
        res,
        status,
        'text/xml',
        `<ErrorResponse xmlns="${service.xmlns}"><Error><Type>${e.$fault === 'server' ? 'Receiver' : 'Sender'}</Type>` +
          `<Code>${queryCode(name)}</Code><Message>${escapeXml(e.message ?? '')}</Message></Error>` +
          `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        reply(res, 500, 'text/plain', `gateway failure: ${String(err)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    events,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
