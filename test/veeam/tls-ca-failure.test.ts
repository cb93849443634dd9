import { VeeamTlsError } from '../../lib/veeam/errors';
import https from 'node:https';
import { agentFor, destroyAgents, isTlsVerificationError } from '../../lib/veeam/tls';
import { get, makeCertificate, startTlsServer, within, type TestCertificate } from './tls-servers';

/** What the appliance sends: its certificate chain, and the fingerprint an operator would pin (the leaf's). */
interface Presented {
  key: string;
  chain: string[];
  leaf: string;
}

const day = 86_400_000;
let root: TestCertificate;
let chains: Map<string, Presented>;
const presentedAs = (what: string): Presented => {
  const presented = chains.get(what);
  if (!presented) throw new Error(`no certificate chain for ${what}`);
  return presented;
};
beforeAll(async () => {
  root = await makeCertificate('Private Root CA', { isCa: true });
  const intermediate = await makeCertificate('Private Issuing CA', { isCa: true, issuer: root });
  const leaf = await makeCertificate('veeam-appliance.local', { issuer: intermediate });
  // Same issuer name as the private root, but signed by a key the root does not hold.
  const impostor = await makeCertificate('Private Root CA', { isCa: true });
  const forged = await makeCertificate('veeam-appliance.local', { issuer: impostor });
  const selfSigned = await makeCertificate('veeam-appliance.local');
  const expired = await makeCertificate('veeam-appliance.local', {
    notBefore: new Date(Date.now() - 10 * day),
    notAfter: new Date(Date.now() - day),
  });
  const notYetValid = await makeCertificate('veeam-appliance.local', {
    notBefore: new Date(Date.now() + day),
    notAfter: new Date(Date.now() + 10 * day),
  });
  const presented = (c: TestCertificate, ...issuers: TestCertificate[]): Presented => ({
    key: c.key,
    chain: [c, ...issuers].map((x) => x.cert),
    leaf: c.sha256,
  });
  chains = new Map([
    ['a self-signed certificate', presented(selfSigned)],
    ['a certificate from a private CA, without its issuer', presented(leaf)],
    ['a certificate with its private intermediate CA', presented(leaf, intermediate)],
    ['a certificate with its whole private chain', presented(leaf, intermediate, root)],
    ['a certificate its claimed issuer did not sign', presented(forged, root)],
    ['an expired self-signed certificate', presented(expired)],
    ['a self-signed certificate not valid yet', presented(notYetValid)],
  ]);
});
afterEach(() => destroyAgents());

describe('without a pin (system CAs)', () => {
  it.each([
    ['a self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['a certificate from a private CA, without its issuer', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['a certificate with its private intermediate CA', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ['a certificate with its whole private chain', 'SELF_SIGNED_CERT_IN_CHAIN'],
    ['a certificate its claimed issuer did not sign', 'CERT_SIGNATURE_FAILURE'],
    ['an expired self-signed certificate', 'CERT_HAS_EXPIRED'],
    ['a self-signed certificate not valid yet', 'CERT_NOT_YET_VALID'],
  ])('refuses %s for good (no retry), before sending a byte, and offers its fingerprint to pin', async (what, code) => {
    const { key, chain, leaf } = presentedAs(what);
    const server = await startTlsServer({ key, cert: chain.join('\n') });
    try {
      const url = server.url();
      const err = await get(url, undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VeeamTlsError);
      expect(err).toMatchObject({ retryable: false, presentedSha256: leaf, cause: expect.objectContaining({ code }) });
      const colons = leaf.toUpperCase().match(/../g)!.join(':');
      expect((err as Error).message).toMatch(
        new RegExp(`^TLS verification of the Veeam appliance at ${url.host} failed \\(${code}: .+\\); `),
      );
      expect((err as Error).message).toContain(
        'the certificate is not trusted by the system CAs. The appliance presented the certificate with SHA-256 ' +
          `fingerprint ${colons} (VEEAM_CERT_SHA256=${leaf}). If you have verified it out of band (appliance console), ` +
          'set VEEAM_CERT_SHA256 to pin it.',
      );
      expect(server.requests).toBe(0);
    } finally {
      await server.stop();
    }
  });

  // An appliance serving several names picks the certificate by SNI: the fingerprint offered must be the one a
  // request for that name sees. Node sends no SNI for an IP address (RFC 6066 forbids it), so neither does the probe.
  it.each([
    ['a host name', '127.0.0.1', 'localhost', ['localhost', 'localhost']],
    ['an IPv4 address', '127.0.0.1', '127.0.0.1', []],
    ['an IPv6 address', '::1', '::1', []],
  ])('learns the fingerprint with the SNI of the request for %s', async (_what, listen, host, servernames) => {
    const { key, chain, leaf } = presentedAs('a self-signed certificate');
    const server = await startTlsServer({ key, cert: chain }, { listen });
    try {
      const err = await get(server.url(host), undefined).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'VeeamTlsError', presentedSha256: leaf });
      expect((err as Error).message).toContain(`VEEAM_CERT_SHA256=${leaf}`);
      expect(server.servernames).toEqual(servernames);
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['closes the connection', 'reset' as const],
    ['does not answer in time', 'silent' as const],
  ])(
    'when the fingerprint cannot be learned (the appliance %s), tells how to get it with openssl',
    async (_what, after) => {
      const { key, chain } = presentedAs('a self-signed certificate');
      const server = await startTlsServer({ key, cert: chain }, { tlsConnections: 1, after });
      try {
        const err = await within(
          get(server.url(), undefined, 300).catch((e: unknown) => e),
          3_000,
        );
        expect(err).toBeInstanceOf(VeeamTlsError);
        expect(err).toMatchObject({
          presentedSha256: undefined,
          cause: expect.objectContaining({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
        });
        expect((err as Error).message).toMatch(
          /not trusted by the system CAs\. Set VEEAM_CERT_SHA256 to the appliance certificate fingerprint \(openssl x509 -noout -fingerprint -sha256\) to pin it\.$/,
        );
        expect(server.requests).toBe(0);
      } finally {
        await server.stop();
      }
    },
  );
});

it('counts a certificate from a trusted CA but for another name as refused trust, not network trouble', async () => {
  const otherName = await makeCertificate('other.example', { issuer: root, altNames: ['other.example'] });
  const server = await startTlsServer({ key: otherName.key, cert: otherName.cert });
  try {
    // The private root stands in for a CA the system trusts.
    const err = await new Promise<Error>((resolve) => {
      https
        .get(server.url(), { agent: agentFor(undefined), ca: root.cert }, () => resolve(new Error('answered')))
        .on('error', resolve);
    });
    expect(err).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(isTlsVerificationError(err)).toBe(true);
    expect(server.requests).toBe(0);
  } finally {
    await server.stop();
  }
});
