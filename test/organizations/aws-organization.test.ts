import {
  ConcurrentModificationException,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { organizationsClient } from '../../lib/aws/organizations-client';
import { AwsOrganization } from '../../lib/organizations/aws-organization';
import { RetryableError } from '../../lib/errors';
import { OrganizationsFake, buildOrg } from '../../sim/aws/organizations-fake';

let fake: OrganizationsFake;
afterEach(() => fake.restore());

/** Throttle backoff that records its waits instead of waiting. */
function recordingRetry() {
  const waits: number[] = [];
  return { waits, retry: { sleep: (ms: number) => Promise.resolve(void waits.push(ms)), random: () => 0.5 } };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('AwsOrganization', () => {
  it('uses one us-east-1 client per container with standard retries and no pinned endpoint', async () => {
    fake = new OrganizationsFake();
    const client = organizationsClient();
    expect(organizationsClient()).toBe(client);
    expect(await client.config.region()).toBe('us-east-1');
    expect(await client.config.maxAttempts()).toBe(10);
    // An endpoint set here would override AWS_ENDPOINT_URL.
    expect(client.config.endpoint).toBeUndefined();
  });

  it('reads the management account once and reuses it', async () => {
    fake = new OrganizationsFake({ managementAccountId: '999999999999' });
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    expect(await org.managementAccountId()).toBe('999999999999');
    expect(await org.managementAccountId()).toBe('999999999999');
    expect(fake.calls.DescribeOrganization).toBe(1);
  });

  it('forgets a failed management account lookup so the next invocation can succeed', async () => {
    fake = new OrganizationsFake();
    const { retry } = recordingRetry();
    const org = new AwsOrganization({ client: new OrganizationsClient({}), retry: { ...retry, attempts: 0 } });
    fake.throttleNext(1, 'DescribeOrganization');
    await expect(org.managementAccountId()).rejects.toBeInstanceOf(RetryableError);
    expect(await org.managementAccountId()).toBe(fake.managementAccountId);
  });

  it('describes accounts from State, falls back to Status, and returns undefined for non-members', async () => {
    fake = new OrganizationsFake({ statusFields: 'State' });
    const closed = fake.createAccount({ state: 'CLOSED' });
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    expect(await org.describeAccount(closed)).toMatchObject({ id: closed, status: 'CLOSED' });
    expect(await org.describeAccount('123456789012')).toBeUndefined();
    fake.restore();

    fake = new OrganizationsFake({ statusFields: 'Status' });
    const suspended = fake.createAccount({ state: 'SUSPENDED' });
    expect(await new AwsOrganization({ client: new OrganizationsClient({}) }).describeAccount(suspended)).toMatchObject(
      { status: 'SUSPENDED' },
    );
  });

  it('walks the parent chain to the root, asking for each OU only once per instance', async () => {
    fake = new OrganizationsFake();
    const a = fake.createOu();
    const b = fake.createOu(a);
    const c = fake.createOu(b);
    const x = fake.createAccount({ parentId: c });
    const y = fake.createAccount({ parentId: c });
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    expect(await org.ancestors(x)).toEqual([c, b, a, fake.rootId]);
    expect(fake.calls.ListParents).toBe(4);
    expect(await org.ancestors(y)).toEqual([c, b, a, fake.rootId]);
    expect(fake.calls.ListParents).toBe(5);
  });

  it('sees an account move on the next lookup (account parents are never cached)', async () => {
    fake = new OrganizationsFake();
    const a = fake.createOu();
    const b = fake.createOu();
    const x = fake.createAccount({ parentId: a });
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    expect(await org.ancestors(x)).toEqual([a, fake.rootId]);
    fake.moveAccount(x, b);
    expect(await org.ancestors(x)).toEqual([b, fake.rootId]);
  });

  it('returns no ancestors for an account that left the organization', async () => {
    fake = new OrganizationsFake();
    const x = fake.createAccount();
    fake.removeAccount(x);
    expect(await new AwsOrganization({ client: new OrganizationsClient({}) }).ancestors(x)).toEqual([]);
  });

  it('lists every account of the organization across pages when no scope is set', async () => {
    ({ fake } = buildOrg({ accounts: 47, pageSize: 5 }));
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    const ids = (await collect(org.listAccountsUnder([]))).map((a) => a.id);
    expect(ids).toHaveLength(48);
    expect(new Set(ids).size).toBe(48);
    expect(fake.calls.ListAccounts).toBe(10);
  });

  it('lists nested OUs recursively, each account once even when scopes overlap', async () => {
    const built = buildOrg({ accounts: 60, ousDepth: 3, ousPerLevel: 2, pageSize: 3 });
    fake = built.fake;
    const top = built.ouLevels[0]![0]!;
    const nested = built.ouLevels[1]![0]!;
    const outside = fake.createAccount({ parentId: built.ouLevels[0]![1]! });
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });

    const ids = (await collect(org.listAccountsUnder([nested, top]))).map((a) => a.id);
    // 8 leaves share 60 members round-robin (leaves 0-3 get 8 each); the first top-level OU holds leaves 0-3.
    expect(ids).toHaveLength(32);
    expect(new Set(ids).size).toBe(32);
    expect(ids).not.toContain(outside);
    expect(ids).not.toContain(fake.managementAccountId);
    expect(ids).toContain(built.accountId(0));
    expect(ids).not.toContain(built.accountId(4));
  });

  it('walks several OUs at once, never more than 4 calls in flight, and finds every account once', async () => {
    const built = buildOrg({ accounts: 200, ousDepth: 2, ousPerLevel: 3, pageSize: 5, latencyMs: 5 });
    fake = built.fake;
    const client = new OrganizationsClient({});
    // The overloads of send() are not callable through a spread; the wrapper only needs "a call returning a promise".
    const send = client.send.bind(client) as unknown as (...args: unknown[]) => Promise<unknown>;
    let inFlight = 0;
    let peak = 0;
    client.send = (async (...args: unknown[]) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await send(...args);
      } finally {
        inFlight--;
      }
    }) as typeof client.send;
    const ids = (await collect(new AwsOrganization({ client }).listAccountsUnder(built.ouLevels[0]!))).map((a) => a.id);
    expect(new Set(ids).size).toBe(200);
    expect(ids).toHaveLength(200);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('includes the management account when the root is the scope', async () => {
    ({ fake } = buildOrg({ accounts: 10, pageSize: 4 }));
    const org = new AwsOrganization({ client: new OrganizationsClient({}) });
    const ids = (await collect(org.listAccountsUnder([fake.rootId]))).map((a) => a.id);
    expect(ids).toHaveLength(11);
    expect(ids).toContain(fake.managementAccountId);
  });

  it('retries throttling with growing waits and finishes a listing without losing or repeating accounts', async () => {
    ({ fake } = buildOrg({ accounts: 30, pageSize: 4 }));
    const { waits, retry } = recordingRetry();
    const org = new AwsOrganization({ client: new OrganizationsClient({}), retry });
    fake.throttleNext(3, 'ListAccountsForParent');
    const ids = (await collect(org.listAccountsUnder([fake.rootId]))).map((a) => a.id);
    expect(new Set(ids).size).toBe(31);
    expect(ids).toHaveLength(31);
    expect(waits).toEqual([1000, 2000, 4000]);
  });

  it('surfaces persistent throttling as a retryable error naming the call', async () => {
    fake = new OrganizationsFake();
    const x = fake.createAccount();
    const { waits, retry } = recordingRetry();
    const org = new AwsOrganization({ client: new OrganizationsClient({}), retry: { ...retry, attempts: 3 } });
    fake.throttleNext(1000);
    const err: unknown = await org.describeAccount(x).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ retryable: true, code: 'OrganizationsThrottled' });
    expect((err as Error).message).toContain('DescribeAccount');
    expect((err as Error).cause).toMatchObject({ name: 'TooManyRequestsException' });
    expect(fake.calls.DescribeAccount).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it('gives up early when the SDK has already spent the time budget waiting', async () => {
    fake = new OrganizationsFake();
    const x = fake.createAccount();
    let clock = 0;
    const { waits, retry } = recordingRetry();
    const org = new AwsOrganization({ client: new OrganizationsClient({}), retry: { ...retry, now: () => clock } });
    // One SDK round of maxAttempts 10 that kept being throttled for 70 s.
    const slowThrottle = () => {
      clock += 70_000;
      return new TooManyRequestsException({
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400, attempts: 10 },
      });
    };
    fake.failNext(1000, slowThrottle);
    await expect(org.describeAccount(x)).rejects.toMatchObject({ code: 'OrganizationsThrottled' });
    expect(fake.calls.DescribeAccount).toBe(1);
    expect(waits).toEqual([]);
  });

  it('also waits out a ConcurrentModificationException, which the SDK itself does not retry', async () => {
    fake = new OrganizationsFake();
    const x = fake.createAccount();
    const { waits, retry } = recordingRetry();
    const org = new AwsOrganization({ client: new OrganizationsClient({}), retry });
    fake.failNext(
      1,
      () => new ConcurrentModificationException({ message: 'busy', $metadata: { httpStatusCode: 409 } }),
      'DescribeAccount',
    );
    expect(await org.describeAccount(x)).toMatchObject({ id: x });
    expect(waits).toHaveLength(1);
  });

  it('does not retry errors that are not throttling', async () => {
    fake = new OrganizationsFake();
    const { waits, retry } = recordingRetry();
    const org = new AwsOrganization({ client: new OrganizationsClient({}), retry });
    await expect(collect(org.listAccountsUnder(['ou-ab12-nothere0']))).rejects.toMatchObject({
      name: 'ParentNotFoundException',
    });
    expect(waits).toEqual([]);
  });
});
