import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { RetryableError } from '../../lib/errors';
import { VeeamApiError } from '../../lib/veeam/errors';
import { destroyAgents } from '../../lib/veeam/tls';
import { DEFAULT_SIM_USER, startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';
import { clientFor, recordingSecrets } from './veeam-test-client';

const spec = (accountId: string, key = 'backup', externalId = 'ExternalIdValue0001') => ({
  name: `${accountId}-${key}`,
  description: 'Managed by veeam-org-sync. role=VeeamBackupRole extid-fp=0000000000000000',
  accountId,
  roleName: 'VeeamBackupRole',
  externalId,
});

let sim: VeeamSimulator;
beforeEach(async () => {
  sim = await startVeeamSimulator();
});
afterEach(async () => {
  await sim.stop();
});
afterAll(() => destroyAgents());

describe('authentication', () => {
  it('logs in once for many calls in one invocation', async () => {
    const { client } = clientFor(sim);
    await client.createEntry(spec('111111111111'));
    await Promise.all([client.listEntries(), client.listEntries(), client.listEntries({ searchPattern: '1111*' })]);
    await client.listEntries();
    expect(client.stats.logins).toBe(1);
    expect(sim.state.counters.logins).toBe(1);
    expect(client.stats.requests).toBe(6);
  });

  it('shares one login between concurrent first calls', async () => {
    const { client } = clientFor(sim);
    await Promise.all(Array.from({ length: 5 }, () => client.listEntries()));
    expect(sim.state.counters.logins).toBe(1);
  });

  it('reuses the token across warm invocations', async () => {
    const first = clientFor(sim);
    await first.client.listEntries();
    const second = clientFor(sim, { cache: first.cache });
    await second.client.listEntries();
    expect(second.client.stats.logins).toBe(0);
    expect(sim.state.counters.logins).toBe(1);
  });

  it('refreshes an access token the appliance reports as expired, then retries the call', async () => {
    const { client } = clientFor(sim);
    await client.listEntries();
    sim.faults.expireTokensNow();
    await client.createEntry(spec('222222222222'));
    expect(client.stats).toMatchObject({ logins: 1, refreshes: 1 });
    expect(sim.state.counters).toMatchObject({ logins: 1, refreshes: 1 });
    expect(sim.state.findByName('222222222222-backup')).toBeDefined();
  });

  it('refreshes before the call when the token is about to expire (no 401 round trip)', async () => {
    let clock = Date.now();
    const { client } = clientFor(sim, { now: () => clock });
    await client.listEntries();
    clock += 3_560_000; // within the 60 s margin of a 3600 s token
    await client.listEntries();
    expect(client.stats.refreshes).toBe(1);
    expect(sim.state.count('GET /api/v1/accounts/amazon')).toBe(2);
  });

  it('logs in again with the password when the refresh token is refused', async () => {
    const { client } = clientFor(sim);
    await client.listEntries();
    sim.faults.expireTokensNow();
    sim.faults.revokeRefreshTokens();
    await client.listEntries();
    expect(client.stats).toMatchObject({ logins: 2, refreshes: 0 });
  });

  it('re-reads the secret once, bypassing caches, when the appliance refuses cached credentials', async () => {
    const secrets = recordingSecrets(
      { username: DEFAULT_SIM_USER.username, password: 'rotated-away' },
      DEFAULT_SIM_USER,
    );
    const { client } = clientFor(sim, { secrets });
    await client.listEntries();
    expect(secrets.reads).toEqual([false, true]);
    expect(client.stats.logins).toBe(1);
  });

  it('fails clearly, without retrying in a loop, when the credentials are wrong', async () => {
    const secrets = recordingSecrets({ username: 'svc', password: 'Wrong-Secret-Password' });
    const { client } = clientFor(sim, { secrets });
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VeeamApiError);
    expect((err as VeeamApiError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/VEEAM_SECRET_ID/);
    expect((err as Error).message).not.toContain('Wrong-Secret-Password');
    expect(sim.state.counters.failedLogins).toBe(2);
  });

  it('logs out and logs in again on the next call', async () => {
    const { client } = clientFor(sim);
    await client.listEntries();
    await client.logout();
    expect(sim.state.counters.logouts).toBe(1);
    expect(sim.state.accessTokens.size).toBe(0);
    await client.listEntries();
    expect(sim.state.counters.logins).toBe(2);
  });
});

describe('API versions', () => {
  it('falls back to an older revision the appliance supports and remembers it', async () => {
    await sim.stop();
    sim = await startVeeamSimulator({ supportedVersions: ['1.7-rev1'] });
    const first = clientFor(sim);
    await first.client.listEntries();
    expect(first.client.apiVersion).toBe('1.7-rev1');
    const tokenCalls = sim.state.count('POST /api/v1/token');
    expect(tokenCalls).toBe(2); // 1.8-rev0 refused, 1.7-rev1 accepted

    const second = clientFor(sim, { cache: first.cache });
    await second.client.createEntry(spec('333333333333'));
    expect(sim.state.count('POST /api/v1/accounts/amazon')).toBe(1);
    expect(sim.state.count('POST /api/v1/token')).toBe(tokenCalls);
  });

  it('names VEEAM_API_VERSION when no configured revision is accepted', async () => {
    await sim.stop();
    sim = await startVeeamSimulator({ supportedVersions: ['2.0-rev0'] });
    const { client } = clientFor(sim);
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VeeamApiError);
    expect((err as VeeamApiError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/VEEAM_API_VERSION/);
  });
});

describe('retries', () => {
  it('retries 429 after the Retry-After the appliance asked for', async () => {
    const { client, sleeps } = clientFor(sim);
    await client.login();
    sim.faults.throttleNext(1, 2);
    await expect(client.listEntries()).resolves.toEqual([]);
    expect(sleeps).toEqual([2000]);
    expect(sim.state.count('GET /api/v1/accounts/amazon')).toBe(2);
  });

  it('retries 5xx with growing backoff', async () => {
    const { client, sleeps } = clientFor(sim);
    await client.login();
    sim.faults.failNext(2, 503);
    await expect(client.listEntries()).resolves.toEqual([]);
    expect(sleeps).toEqual([5, 10]); // random 0.5 x (10 ms, 20 ms)
  });

  it('gives up after the attempt budget with a retryable error for the queue', async () => {
    const { client } = clientFor(sim, { retry: { maxAttempts: 3, baseDelayMs: 1 } });
    await client.login();
    sim.faults.failNext(10, 500);
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VeeamApiError);
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(sim.state.count('GET /api/v1/accounts/amazon')).toBe(3);
  });

  it('does not retry other 4xx answers', async () => {
    const { client } = clientFor(sim);
    await client.login();
    sim.faults.failPath('GET', '/api/v1/accounts/amazon', 400, 1);
    await expect(client.listEntries()).rejects.toMatchObject({ status: 400, retryable: false });
    expect(sim.state.count('GET /api/v1/accounts/amazon')).toBe(1);
  });

  it('reports an unreachable appliance as retryable, naming VEEAM_URL', async () => {
    const { client } = clientFor(sim, { retry: { maxAttempts: 2, baseDelayMs: 1 } });
    sim.faults.setDown(true);
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'VeeamUnreachable' });
    expect((err as Error).message).toMatch(/VEEAM_URL/);
  });

  it('gives every request a deadline, so a hanging appliance cannot hold the invocation', async () => {
    const { client } = clientFor(sim, { timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    sim.faults.latencyMs = 400;
    const started = Date.now();
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VeeamUnreachable', retryable: true });
    expect((err as Error).message).toMatch(/ETIMEDOUT|no response within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1_000);
    sim.faults.latencyMs = 0;
  });

  it('recovers when the appliance comes back within the retry budget', async () => {
    const waits: number[] = [];
    // The appliance comes back while the client waits before its second attempt.
    const sleep = (ms: number) => {
      waits.push(ms);
      sim.faults.setDown(false);
      return Promise.resolve();
    };
    const { client } = clientFor(sim, { sleep });
    sim.faults.setDown(true);
    await expect(client.listEntries()).resolves.toEqual([]);
    expect(waits).toHaveLength(1);
  });
});

describe('TLS', () => {
  it('accepts the pinned certificate, also when the pin is written with colons', async () => {
    const colons = sim.certSha256.toUpperCase().match(/../g)!.join(':');
    const { client } = clientFor(sim, { pin: colons });
    await expect(client.listEntries()).resolves.toEqual([]);
  });

  it('refuses a certificate that does not match the pin, before sending anything, and shows the presented fingerprint', async () => {
    const { client } = clientFor(sim, { pin: 'ab'.repeat(32) });
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'VeeamTlsError', retryable: false, presentedSha256: sim.certSha256 });
    expect((err as Error).message).toMatch(/VEEAM_CERT_SHA256/);
    expect((err as Error).message).toContain(sim.certSha256.toUpperCase().match(/../g)!.join(':'));
    expect(sim.state.counters.requests).toBe(0);
  });

  it.each([
    ['expired', -10, -1],
    ['not yet valid', 1, 10],
  ])(
    'refuses a pinned certificate outside its validity period (%s), as CA verification would',
    async (what, from, to) => {
      const day = 86_400_000;
      const pems = await generate([{ name: 'commonName', value: `${what.replace(/ /g, '-')}.local` }], {
        keySize: 2048,
        algorithm: 'sha256',
        notBeforeDate: new Date(Date.now() + from * day),
        notAfterDate: new Date(Date.now() + to * day),
      });
      const sha256 = new X509Certificate(pems.cert).fingerprint256.replace(/:/g, '').toLowerCase();
      const outside = await startVeeamSimulator({ certificate: { keyPem: pems.private, certPem: pems.cert, sha256 } });
      try {
        const { client } = clientFor(outside);
        await expect(client.listEntries()).rejects.toMatchObject({
          name: 'VeeamTlsError',
          message: expect.stringMatching(/validity period/),
        });
        expect(outside.state.counters.requests).toBe(0);
      } finally {
        await outside.stop();
      }
    },
  );

  it('without a pin, refuses the self-signed certificate (system CAs) and tells how to pin it', async () => {
    const { client } = clientFor(sim, { pin: null });
    const err = await client.listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'VeeamTlsError', presentedSha256: sim.certSha256 });
    expect((err as Error).message).toMatch(/VEEAM_CERT_SHA256/);
    expect((err as Error).message).toContain(sim.certSha256);
    expect(sim.state.counters.requests).toBe(0);
  });
});

describe('IAM role entries', () => {
  it('creates, lists (paged), updates and deletes entries; the external ID is never returned', async () => {
    await sim.stop();
    sim = await startVeeamSimulator({ maxPageSize: 2 });
    const { client } = clientFor(sim);
    const created = await client.createEntry(spec('444444444444'));
    expect(created).toEqual({
      id: expect.any(String),
      name: '444444444444-backup',
      description: spec('4').description,
      accountId: '444444444444',
      roleName: 'VeeamBackupRole',
    });
    expect(JSON.stringify(created)).not.toContain('ExternalIdValue0001');
    expect(sim.state.entries.get(created.id)?.externalId).toBe('ExternalIdValue0001');

    for (const a of ['555555555555', '666666666666', '777777777777']) await client.createEntry(spec(a));
    sim.state.addEntry({
      name: 'Default backup account',
      kind: 'IAMRole',
      accountId: '',
      roleName: 'VeeamApplianceRole',
    });
    const all = await client.listEntries();
    expect(all).toHaveLength(5);
    expect(all.find((e) => e.name === 'Default backup account')).toMatchObject({ accountId: '', roleName: '' });
    expect(sim.state.count('GET /api/v1/accounts/amazon')).toBe(3);
    expect((await client.listEntries({ searchPattern: '5555*' })).map((e) => e.name)).toEqual(['555555555555-backup']);

    const updated = await client.updateEntry(created.id, {
      ...spec('444444444444', 'backup', 'NewExternalId0002'),
      description: 'changed',
    });
    expect(updated.description).toBe('changed');
    expect(sim.state.entries.get(created.id)?.externalId).toBe('NewExternalId0002');

    await expect(client.validateDelete(created.id)).resolves.toEqual([]);
    await expect(client.deleteEntry(created.id)).resolves.toBe('deleted');
    await expect(client.deleteEntry(created.id)).resolves.toBe('already-gone');
  });

  it('maps problem+json answers to VeeamApiError with the appliance text', async () => {
    const { client } = clientFor(sim);
    await client.createEntry(spec('888888888888'));
    const err = await client.createEntry(spec('888888888888')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VeeamApiError);
    expect(err).toMatchObject({
      status: 400,
      problem: { errorCode: 'UnexpectedContent', detail: expect.stringMatching(/already exists/) },
    });
    expect((err as Error).message).toMatch(/validationError/);
  });

  it('rescans and waits for the session, reporting a failed assume with its reason', async () => {
    await sim.stop();
    sim = await startVeeamSimulator({
      sessionRunningPolls: 2,
      assumeCheck: (_a, _r, externalId) => externalId === 'ExternalIdValue0001',
    });
    const { client } = clientFor(sim);
    const good = await client.createEntry(spec('121212121212'));
    await expect(client.rescanAndWait(good.id)).resolves.toMatchObject({ status: 'Succeeded', result: 'Success' });
    expect(sim.state.count('GET /api/v1/sessions/{id}')).toBe(3);
    const bad = await client.createEntry(spec('131313131313', 'backup', 'WrongExternalId'));
    const s = await client.rescanAndWait(bad.id);
    expect(s).toMatchObject({ status: 'Failed', result: 'Failed', reason: expect.stringMatching(/assume role/) });
  });

  it('stops waiting for a session at the timeout with a retryable error', async () => {
    await sim.stop();
    sim = await startVeeamSimulator({ sessionRunningPolls: 1_000 });
    const { client } = clientFor(sim);
    const e = await client.createEntry(spec('141414141414'));
    await expect(client.rescanAndWait(e.id, { timeoutMs: 0 })).rejects.toMatchObject({
      code: 'VeeamSessionTimeout',
      retryable: true,
    });
  });
});
