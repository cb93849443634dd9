import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { NetworkError, VeeamTlsError } from '../../lib/veeam/errors';
import { agentFor, destroyAgents, isTlsVerificationError } from '../../lib/veeam/tls';
import { get, makeCertificate, startTlsServer, within, type TestCertificate, type TlsTestServer } from './tls-servers';

let appliance: TestCertificate;
let server: TlsTestServer;
beforeAll(async () => {
  appliance = await makeCertificate('veeam-appliance.local');
});
beforeEach(async () => {
  server = await startTlsServer({ key: appliance.key, cert: appliance.cert });
});
afterEach(async () => {
  jest.restoreAllMocks();
  destroyAgents();
  await server.stop();
});

describe('pinned certificate validity period', () => {
  const second = 1_000;
  const validity = () => {
    const x509 = new X509Certificate(appliance.cert);
    return { from: Date.parse(x509.validFrom), to: Date.parse(x509.validTo) };
  };

  it.each([
    ['its first second', () => validity().from],
    ['its last second', () => validity().to],
  ])('accepts the pinned certificate at %s of validity', async (_what, at) => {
    jest.spyOn(Date, 'now').mockReturnValue(at());
    await expect(get(server.url(), appliance.sha256)).resolves.toMatchObject({ status: 200 });
  });

  it.each([
    ['one second before it is valid', () => validity().from - second],
    ['one second after it expired', () => validity().to + second],
  ])('refuses the pinned certificate %s, naming the period and the fix', async (_what, at) => {
    jest.spyOn(Date, 'now').mockReturnValue(at());
    const err = await get(server.url(), appliance.sha256).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VeeamTlsError);
    const x509 = new X509Certificate(appliance.cert);
    expect((err as Error).message).toContain(`outside its validity period (${x509.validFrom} - ${x509.validTo})`);
    expect((err as Error).message).toContain(`VEEAM_CERT_SHA256=${appliance.sha256}`);
    expect((err as Error).message).toContain('Renew the appliance certificate and pin the new fingerprint');
    expect(server.requests).toBe(0);
  });
});

it('refuses another certificate before sending a byte, showing the presented fingerprint, the pin and what to do', async () => {
  const pin = 'ab'.repeat(32);
  const err = await get(server.url(), pin).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'VeeamTlsError', retryable: false, presentedSha256: appliance.sha256 });
  const colons = appliance.sha256.toUpperCase().match(/../g)!.join(':');
  const message = (err as Error).message;
  expect(message).toContain(`fingerprint ${colons} (VEEAM_CERT_SHA256=${appliance.sha256}) does not match`);
  expect(message).toContain(`VEEAM_CERT_SHA256 (${pin})`);
  expect(message).toContain('verify the new one out of band and set VEEAM_CERT_SHA256 to it');
  expect(message).toContain('possible interception');
  expect(server.requests).toBe(0);
});

it('reuses one TLS connection for the calls of consecutive warm invocations', async () => {
  for (let invocation = 0; invocation < 2; invocation++) {
    await get(server.url(), appliance.sha256);
    await get(server.url(), appliance.sha256);
  }
  expect(server.requests).toBe(4);
  expect(server.handshakes).toBe(1);
});

it('keeps the system-CA connection alive across warm invocations too', async () => {
  // The appliance certificate stands in for one the system CAs trust; the agent is the one without a pin.
  const call = () =>
    new Promise<number>((resolve, reject) =>
      https
        .get(server.url(), { agent: agentFor(undefined), ca: appliance.cert }, (res) => {
          res.resume().on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject),
    );
  expect([await call(), await call()]).toEqual([200, 200]);
  expect(server.handshakes).toBe(1);
});

it('closes pooled connections when asked to (CLI exit), so nothing holds the process open', async () => {
  await get(server.url(), appliance.sha256);
  const closed = server.allClosed();
  destroyAgents();
  await expect(within(closed, 2_000)).resolves.toBeUndefined();
});

it('gives up on a TLS handshake that does not finish, naming the timeout, as network trouble (retryable)', async () => {
  const silent = await startTlsServer({}, { tlsConnections: 0, after: 'silent' });
  try {
    const request = new Promise<never>((_resolve, reject) => {
      https.get(silent.url(), { agent: agentFor(appliance.sha256), timeout: 200 }).on('error', reject);
    });
    const err = await within(request, 3_000);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', message: 'TLS handshake timed out after 200 ms' });
    expect(isTlsVerificationError(err as Error)).toBe(false);
    // The transport reports it as a network error, which the client retries.
    await expect(get(silent.url(), appliance.sha256, 200)).rejects.toBeInstanceOf(NetworkError);
  } finally {
    await silent.stop();
  }
});
