import { createHttpsTransport, type HttpRequest, type Transport } from '../../lib/veeam/http';
import { destroyAgents } from '../../lib/veeam/tls';
import { DEFAULT_SIM_USER, startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';

/** Raw HTTP against the simulator: its own behaviour is what the client tests rely on. */
let sim: VeeamSimulator;
let http: Transport;
beforeAll(async () => {
  sim = await startVeeamSimulator({ maxPageSize: 2 });
  http = createHttpsTransport({ certSha256: sim.certSha256, timeoutMs: 3000 });
});
afterAll(async () => {
  await sim.stop();
  destroyAgents();
});

async function send(
  method: HttpRequest['method'],
  path: string,
  o: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'x-api-version': '1.8-rev0', ...o.headers };
  let body: string | undefined;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] = 'application/json';
  }
  if (o.form) {
    body = new URLSearchParams(o.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await http({ method, url: new URL(path, sim.url), headers, ...(body !== undefined ? { body } : {}) });
  return {
    status: res.status,
    type: res.headers['content-type'],
    json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined,
  };
}

async function bearer(): Promise<Record<string, string>> {
  const r = await send('POST', '/api/v1/token', { form: { grant_type: 'password', ...DEFAULT_SIM_USER } });
  return { authorization: `Bearer ${String(r.json?.access_token)}` };
}

it('requires x-api-version on every call, /token included', async () => {
  const missing = await send('POST', '/api/v1/token', {
    headers: { 'x-api-version': '' },
    form: { grant_type: 'password', ...DEFAULT_SIM_USER },
  });
  expect(missing).toMatchObject({
    status: 400,
    type: 'application/problem+json',
    json: { type: `${sim.url}/api/v1/problems/apiVersionUnspecified`, status: 400 },
  });
  const old = await send('GET', '/api/v1/accounts/amazon', { headers: { 'x-api-version': '1.3-rev0' } });
  expect(old.json).toMatchObject({
    type: expect.stringMatching(/unsupportedApiVersion$/),
    details: expect.stringMatching(/1\.8-rev0, 1\.7-rev1/),
  });
});

it('issues RESTLogin tokens for the password grant only with the right password, and logs out', async () => {
  const wrong = await send('POST', '/api/v1/token', {
    form: { grant_type: 'password', username: DEFAULT_SIM_USER.username, password: 'nope' },
  });
  expect(wrong.status).toBe(401);
  const ok = await send('POST', '/api/v1/token', { form: { grant_type: 'password', ...DEFAULT_SIM_USER } });
  expect(ok.json).toMatchObject({
    access_token: expect.any(String),
    refresh_token: expect.any(String),
    token_type: 'bearer',
    expires_in: 3600,
    '.issued': expect.any(String),
    '.expires': expect.any(String),
  });
  const auth = { authorization: `Bearer ${String(ok.json?.access_token)}` };
  expect((await send('GET', '/api/v1/accounts/amazon', { headers: auth })).status).toBe(200);
  expect((await send('DELETE', '/api/v1/token', { headers: auth })).status).toBe(204);
  expect((await send('GET', '/api/v1/accounts/amazon', { headers: auth })).json).toMatchObject({
    status: 401,
    type: expect.stringMatching(/invalidAccessToken$/),
  });
  expect((await send('GET', '/api/v1/accounts/amazon')).json).toMatchObject({
    type: expect.stringMatching(/noAccessToken$/),
  });
});

it('lists with SearchPattern wildcards and Offset/Limit pages, and never returns the external ID', async () => {
  const auth = await bearer();
  for (const a of ['100000000001', '100000000002', '100000000003', '200000000001']) {
    const r = await send('POST', '/api/v1/accounts/amazon', {
      headers: auth,
      json: {
        name: `${a}-backup`,
        description: 'd',
        IAMRoleFromAnotherAccount: { accountId: a, roleName: 'R', externalId: 'SecretExternalId' },
      },
    });
    expect(r.status).toBe(201);
    expect(JSON.stringify(r.json)).not.toContain('SecretExternalId');
  }
  const page = await send('GET', '/api/v1/accounts/amazon?SearchPattern=1000*&Offset=1&Limit=5', { headers: auth });
  expect(page.json).toMatchObject({
    totalCount: 3,
    results: [{ name: '100000000002-backup' }, { name: '100000000003-backup' }],
  });
  const dup = await send('POST', '/api/v1/accounts/amazon/validateName', {
    headers: auth,
    json: { name: '100000000001-backup' },
  });
  expect(dup.json).toEqual([expect.objectContaining({ severity: 'Error' })]);
});

it('validates create specs like the appliance: name, lengths, exactly one kind, unique name', async () => {
  const auth = await bearer();
  const post = (json: unknown) => send('POST', '/api/v1/accounts/amazon', { headers: auth, json });
  const role = { accountId: '300000000001', roleName: 'R' };
  expect((await post({ description: 'x', IAMRoleFromAnotherAccount: role })).status).toBe(400);
  expect((await post({ name: 'x'.repeat(256), IAMRoleFromAnotherAccount: role })).status).toBe(400);
  expect((await post({ name: 'n1', description: 'x'.repeat(513), IAMRoleFromAnotherAccount: role })).status).toBe(400);
  expect((await post({ name: 'n1', IAMRole: { roleName: 'A' }, IAMRoleFromAnotherAccount: role })).status).toBe(400);
  expect((await post({ name: 'n1', IAMRoleFromAnotherAccount: role })).status).toBe(201);
  expect((await post({ name: 'N1', IAMRoleFromAnotherAccount: role })).json).toMatchObject({
    status: 400,
    type: expect.stringMatching(/validationError$/),
    details: expect.stringMatching(/already exists/),
  });
});

it('injects faults: 429 with Retry-After, a failing path, expired tokens', async () => {
  const auth = await bearer();
  sim.faults.throttleNext(1, 7);
  const throttled = await http({
    method: 'GET',
    url: new URL('/api/v1/accounts/amazon', sim.url),
    headers: { 'x-api-version': '1.8-rev0', ...auth },
  });
  expect(throttled.status).toBe(429);
  expect(throttled.headers['retry-after']).toBe('7');
  sim.faults.failPath('GET', /^\/api\/v1\/sessions\//, 500, 1);
  expect((await send('GET', '/api/v1/sessions/00000000-0000-0000-0000-000000000000', { headers: auth })).status).toBe(
    500,
  );
  expect((await send('GET', '/api/v1/sessions/00000000-0000-0000-0000-000000000000', { headers: auth })).status).toBe(
    404,
  );
  sim.faults.expireTokensNow();
  expect((await send('GET', '/api/v1/accounts/amazon', { headers: auth })).json).toMatchObject({
    status: 401,
    errorCode: 'ExpiredToken',
    type: expect.stringMatching(/expiredAccessToken$/),
  });
});
