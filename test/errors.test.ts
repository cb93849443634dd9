import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as errors from '../lib/errors';
import { StateContentionError } from '../lib/state';
import { AccessRoleMissingError } from '../lib/member/access-role';
import { ExtensionRefusedError, ExtensionUnreachableError } from '../lib/secrets/extension';

/**
 * DLQ reasons, reports and log lines name an error by its `name`. The bundles are minified without keeping class
 * names, so every class spells its own out: a class that forgets would report its parent's name instead.
 */
describe('error names', () => {
  const samples: Error[] = [
    new errors.ConfigError(['VEEAM_URL is required but not set.']),
    new errors.InvalidInputError('not an account request'),
    new errors.RetryableError('appliance busy'),
    new errors.ConcurrentChangeError('trust changed between read and write'),
    new errors.MemberAccessError('denied', true),
    new errors.VeeamApiError('refused', 400),
    new errors.VeeamTlsError('fingerprint mismatch'),
    new errors.SecretError('unreadable', false),
    new errors.InvariantError('fan-out reconcile without the account queue'),
    new AccessRoleMissingError('444455556666', 'VeeamOrgSyncAccess'),
    new ExtensionUnreachableError(2773, new Error('connect ECONNREFUSED')),
    new ExtensionRefusedError(2773, 'veeam/api-user'),
  ];

  it.each(samples.map((e) => [e.constructor.name, e]))('%s is named after its class', (className, err) => {
    expect(err.name).toBe(className);
    expect(String(err)).toMatch(new RegExp(`^${className}: `));
  });

  it('covers every error class lib/errors.ts exports', () => {
    const exported = Object.values(errors as Record<string, unknown>).filter(
      (v): v is { name: string; prototype: unknown } =>
        typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Error,
    );
    expect(exported.map((c) => c.name).sort()).toEqual(
      samples
        .filter((e) => Object.values(errors).includes(e.constructor as never))
        .map((e) => e.constructor.name)
        .sort(),
    );
  });

  it('every error class in lib/ spells out its own name', () => {
    const lib = path.join(__dirname, '..', 'lib');
    const files = readdirSync(lib, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const unnamed: string[] = [];
    for (const file of files) {
      const code = readFileSync(path.join(lib, file), 'utf8');
      for (const [, name] of code.matchAll(/(?<!abstract )class (\w+) extends \w*Error\b/g)) {
        if (!code.includes(`readonly name: string = '${name}'`) && !code.includes(`this.name = '${name}'`))
          unnamed.push(`${file}: ${name}`);
      }
    }
    expect(unnamed).toEqual([]);
  });
});

describe('retry or DLQ: describeError', () => {
  const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: 400 }, ...extra });

  it.each([
    ['IAM throttling (400 Throttling)', sdkError('Throttling')],
    ['Organizations TooManyRequestsException', sdkError('TooManyRequestsException')],
    ['DynamoDB ProvisionedThroughputExceededException', sdkError('ProvisionedThroughputExceededException')],
    ['a modeled error the SDK marks $retryable', sdkError('SomethingElse', { $retryable: {} })],
    ['HTTP 429', sdkError('Unknown', { $metadata: { httpStatusCode: 429 } })],
    ['a 503 from the service', sdkError('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } })],
    ['the SDK timeout', sdkError('TimeoutError')],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['fetch failing on a refused connection', new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })],
    ['a state item under contention', new StateContentionError('offboard-budget', 8)],
  ])('%s is retried', (_what, err) => {
    expect(errors.describeError(err).retryable).toBe(true);
  });

  it.each([
    ['a bare Error (a bug)', new Error('cannot read properties of undefined')],
    ['a TypeError', new TypeError('x is not a function')],
    ['AccessDenied (a missing permission)', sdkError('AccessDenied')],
    ['a validation error', sdkError('ValidationError')],
    ['a broken invariant', new errors.InvariantError('impossible state')],
    ['something thrown that is not an Error', 'a string'],
    ['an aborted request', Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' })],
  ])('%s goes to the DLQ at once', (_what, err) => {
    const d = errors.describeError(err);
    expect(d.retryable).toBe(false);
    expect(d.message.length).toBeGreaterThan(0);
  });
});
