import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as errors from '../lib/errors';
import * as memberErrors from '../lib/member/errors';
import * as rolesErrors from '../lib/roles/errors';
import * as secretsErrors from '../lib/secrets/errors';
import * as stateErrors from '../lib/state/errors';
import * as veeamErrors from '../lib/veeam/errors';

/** Every module that declares error classes: the shared base and each package's own. */
const errorModules: Record<string, Record<string, unknown>> = {
  'errors.ts': errors,
  'member/errors.ts': memberErrors,
  'roles/errors.ts': rolesErrors,
  'secrets/errors.ts': secretsErrors,
  'state/errors.ts': stateErrors,
  'veeam/errors.ts': veeamErrors,
};

/**
 * DLQ reasons, reports and log lines name an error by its `name`. The bundles are minified without keeping class
 * names, so every class spells its own out: a class that forgets would report its parent's name instead.
 */
describe('error names', () => {
  const samples: Error[] = [
    new errors.ConfigError(['VEEAM_URL is required but not set.']),
    new errors.InvalidInputError('not an account request'),
    new errors.RetryableError('appliance busy'),
    new errors.InvariantError('fan-out reconcile without the account queue'),
    new rolesErrors.ConcurrentChangeError('trust changed between read and write'),
    new memberErrors.MemberAccessError('denied', true),
    new memberErrors.AccessRoleMissingError('444455556666', 'VeeamOrgSyncAccess'),
    new veeamErrors.VeeamApiError('refused', 400),
    new veeamErrors.VeeamTlsError('fingerprint mismatch'),
    new veeamErrors.NetworkError('socket hang up', 'ECONNRESET'),
    new secretsErrors.SecretError('unreadable', false),
    new secretsErrors.ExtensionUnreachableError(2773, new Error('connect ECONNREFUSED')),
    new secretsErrors.ExtensionRefusedError(2773, 'veeam/api-user'),
    new stateErrors.StateContentionError('offboard-budget', 8),
  ];

  it.each(samples.map((e) => [e.constructor.name, e]))('%s is named after its class', (className, err) => {
    expect(err.name).toBe(className);
    expect(String(err)).toMatch(new RegExp(`^${className}: `));
  });

  it('covers every concrete error class an errors.ts exports', () => {
    const exported = Object.values(errorModules)
      .flatMap((m) => Object.values(m))
      .filter(
        (v): v is { name: string; prototype: unknown } =>
          typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Error && v !== errors.SyncError,
      );
    expect(exported.map((c) => c.name).sort()).toEqual(samples.map((e) => e.constructor.name).sort());
  });

  it('every error class in lib/ spells out its own name and lives in an errors.ts', () => {
    const lib = path.join(__dirname, '..', 'lib');
    const files = readdirSync(lib, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const unnamed: string[] = [];
    const elsewhere: string[] = [];
    for (const file of files) {
      const code = readFileSync(path.join(lib, file), 'utf8');
      for (const [, name] of code.matchAll(/(?<!abstract )class (\w+) extends \w*Error\b/g)) {
        if (!code.includes(`readonly name: string = '${name}'`)) unnamed.push(`${file}: ${name}`);
        if (!(file.split(path.sep).join('/') in errorModules)) elsewhere.push(`${file}: ${name}`);
      }
    }
    expect(unnamed).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  it('a package error keeps its own code and retry decision through describeError', () => {
    for (const err of samples.filter((e) => !(e instanceof veeamErrors.NetworkError))) {
      const own = err as Error & { code: string; retryable: boolean };
      expect([err.name, errors.describeError(err)]).toEqual([
        err.name,
        { code: own.code, message: err.message, retryable: own.retryable },
      ]);
    }
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
    ['a state item under contention', new stateErrors.StateContentionError('offboard-budget', 8)],
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
