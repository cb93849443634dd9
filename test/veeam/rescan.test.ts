import type { HttpRequest, HttpResponse, Transport } from '../../lib/veeam/http';
import { createHttpsTransport } from '../../lib/veeam/http';
import { sessionOutcome } from '../../lib/veeam/session';
import { destroyAgents } from '../../lib/veeam/tls';
import { startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';
import { clientFor } from './veeam-test-client';

/** The rescan that verifies a rotation, as the vendor documents it and as the stricter simulator enforces it. */
let sim: VeeamSimulator;
afterEach(async () => {
  await sim.stop();
});
afterAll(() => destroyAgents());

const spec = (accountId: string, externalId = 'ExternalIdValue0001') => ({
  name: `${accountId}-backup`,
  description: 'test',
  accountId,
  roleName: 'VeeamBackupRole',
  externalId,
});

/** The client over a transport that records every exchange. */
function recordingClient() {
  const exchanges: { req: HttpRequest; res: HttpResponse }[] = [];
  const https = createHttpsTransport({ certSha256: sim.certSha256, timeoutMs: 3000 });
  const transport: Transport = async (req) => {
    const res = await https(req);
    exchanges.push({ req, res });
    return res;
  };
  return { ...clientFor(sim, { transport }), exchanges };
}

describe('the simulator follows the documented RescanCloudAccountSpec', () => {
  it('refuses regionIds: [] with a 400 problem naming the fix, and a missing body; accepts {} (all regions)', async () => {
    sim = await startVeeamSimulator();
    const { client, exchanges } = recordingClient();
    const entry = await client.createEntry(spec('121212121212'));
    const token = exchanges.find((e) => e.req.headers.authorization)!.req.headers.authorization!;
    const https = createHttpsTransport({ certSha256: sim.certSha256, timeoutMs: 3000 });
    const post = (body?: string) =>
      https({
        method: 'POST',
        url: new URL(`/api/v1/accounts/amazon/${entry.id}/rescan`, sim.url),
        headers: { 'x-api-version': '1.9-rev0', authorization: token, 'content-type': 'application/json' },
        ...(body !== undefined ? { body } : {}),
      });

    const empty = await post(JSON.stringify({ regionIds: [] }));
    expect(empty.status).toBe(400);
    expect(empty.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(empty.body)).toMatchObject({
      status: 400,
      errorCode: 'UnexpectedContent',
      details: expect.stringMatching(/regionIds must list at least one region.*omit it to rescan all regions/),
    });
    expect((await post()).status).toBe(400);
    expect((await post(JSON.stringify({ regionIds: ['not-a-uuid'] }))).status).toBe(400);
    expect((await post('{}')).status).toBe(202);
    expect((await post(JSON.stringify({ regionIds: ['046b6c7f-0b8a-43b9-b35d-6489e6daee91'] }))).status).toBe(202);
  });

  it('keeps a session Running for at least one poll, even when asked for none', async () => {
    sim = await startVeeamSimulator({ sessionRunningPolls: 0 });
    const { client, exchanges } = recordingClient();
    const entry = await client.createEntry(spec('131313131313'));
    await expect(client.rescanAndWait(entry.id)).resolves.toMatchObject({ status: 'Succeeded', result: 'Success' });
    const polls = exchanges
      .filter((e) => e.req.method === 'GET' && e.req.url.pathname.startsWith('/api/v1/sessions/'))
      .map((e) => (JSON.parse(e.res.body) as { status: string }).status);
    expect(polls).toEqual(['Running', 'Succeeded']);
  });

  it('fails the session when the role would not accept the external ID the appliance holds; succeeds without a hook', async () => {
    sim = await startVeeamSimulator({ assumeCheck: (_a, _r, id) => id === 'Accepted-0001' });
    const { client } = recordingClient();
    const good = await client.createEntry(spec('141414141414', 'Accepted-0001'));
    const bad = await client.createEntry(spec('151515151515', 'Refused-0001'));
    expect(sessionOutcome(await client.rescanAndWait(good.id))).toBe('succeeded');
    const failed = await client.rescanAndWait(bad.id);
    expect(failed).toMatchObject({ status: 'Failed', result: 'Failed', reason: expect.stringMatching(/assume role/) });
    expect(sessionOutcome(failed)).toBe('failed');
    await sim.stop();

    sim = await startVeeamSimulator();
    const other = recordingClient();
    const any = await other.client.createEntry(spec('161616161616', 'Anything-0001'));
    expect(sessionOutcome(await other.client.rescanAndWait(any.id))).toBe('succeeded');
  });
});

describe('the client', () => {
  it('sends {} (no regionIds, never an empty list) and polls until the session ends, waiting a little longer each time', async () => {
    sim = await startVeeamSimulator({ sessionRunningPolls: 3 });
    const { client, exchanges, sleeps } = recordingClient();
    const entry = await client.createEntry(spec('171717171717'));
    await client.rescanAndWait(entry.id);
    const rescan = exchanges.find((e) => e.req.url.pathname.endsWith('/rescan'))!;
    expect(JSON.parse(rescan.req.body!)).toEqual({});
    expect(rescan.res.status).toBe(202);
    expect(exchanges.filter((e) => e.req.url.pathname.startsWith('/api/v1/sessions/'))).toHaveLength(4);
    // pollIntervalMs is 1 in the test client: the delays are capped by it.
    expect(sleeps).toEqual([1, 1, 1]);
  });

  it('gives up after the timeout with a retryable error (the next run rescans again)', async () => {
    sim = await startVeeamSimulator({ sessionRunningPolls: 1_000 });
    const { client } = recordingClient();
    const entry = await client.createEntry(spec('181818181818'));
    await expect(client.rescanAndWait(entry.id, { timeoutMs: 5 })).rejects.toMatchObject({
      code: 'VeeamSessionTimeout',
      retryable: true,
    });
  });
});

describe('session outcomes from the documented status and result values', () => {
  it.each([
    [{ status: 'Running', result: 'Running' }, 'running'],
    [{ status: 'Succeeded', result: 'Success' }, 'succeeded'],
    [{ status: 'Warning', result: 'Warning' }, 'warning'],
    [{ status: 'Failed', result: 'Failed' }, 'failed'],
    [{ status: 'Canceled', result: 'Cancelled' }, 'failed'],
    [{ status: '', result: 'Cancelled' }, 'failed'],
    [{ status: 'NeverExecuted', result: '' }, 'running'],
    [{ status: 'SomethingNew', result: '' }, 'failed'],
  ])('%o is %s', (s, outcome) => {
    expect(sessionOutcome(s)).toBe(outcome);
  });
});
