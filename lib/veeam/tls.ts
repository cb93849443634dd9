import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { VeeamTlsError } from './errors';
import { normaliseFingerprint } from '../tls-fingerprint';

/** Both spellings, so the operator can paste whichever their tooling wants. */
function describeFingerprint(hex: string): string {
  const colons = hex.toUpperCase().replace(/..(?!$)/g, '$&:');
  return `${colons} (VEEAM_CERT_SHA256=${hex})`;
}

/** OpenSSL verification codes that mean "the certificate is not trusted", as opposed to network trouble. */
const TLS_VERIFY_CODES: ReadonlySet<string | undefined> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

export function isTlsVerificationError(err: Error & { code?: string }): err is Error & { code: string } {
  return TLS_VERIFY_CODES.has(err.code);
}

type ConnectOptions = https.RequestOptions & tls.ConnectionOptions;
type OnCreate = (err: Error | null, stream: Duplex) => void;

/**
 * Pinned mode: trust exactly one certificate, identified by the SHA-256 of its DER encoding.
 *
 * Why not `ca` + `rejectUnauthorized: true`: we only know the fingerprint, not the certificate, and Node 20 cannot
 * trust a non-self-signed leaf without its issuers (no partial-chain option). So the handshake runs without the
 * CA-store check and this agent decides trust itself, BEFORE the socket is handed to the HTTP layer: the request
 * (headers, token, password) is written only after `oncreate` is called, which happens only on an exact match.
 *
 * Why this is at least as strict as CA verification:
 * - the TLS handshake itself is still fully verified: the server proves possession of the private key of the
 *   certificate it presented (signed key exchange + Finished MACs), so a matching fingerprint means we talk to the
 *   holder of that exact key;
 * - a CA store accepts any of millions of certificates chained to any trusted root for that name; the pin accepts
 *   one certificate, so a mis-issued or MITM certificate from a trusted CA is refused too;
 * - the validity period is still enforced, as a CA check would;
 * - the host name is not compared because the pinned certificate *is* the identity (appliance certificates are
 *   issued for the appliance's own name and are usually reached by private IP), exactly as SSH host keys work;
 * - TLS session resumption is disabled so every connection presents, and is checked against, the certificate.
 */
class PinnedAgent extends https.Agent {
  constructor(
    private readonly pin: string,
    options: https.AgentOptions,
  ) {
    super({ ...options, maxCachedSessions: 0 });
  }

  // The http Agent always passes `oncreate`, wrapped in its own once(): a late socket error after the pin check is
  // dropped there.
  override createConnection(options: ConnectOptions, oncreate: OnCreate): Duplex | null | undefined {
    const socket = tls.connect({ ...options, rejectUnauthorized: false, session: undefined });
    const timeoutMs = options.timeout ?? 10_000;
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(Object.assign(new Error(`TLS handshake timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', (err: Error) => oncreate(err, socket));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      const problem = checkPinned(socket, this.pin);
      if (problem) {
        socket.destroy();
        oncreate(problem, socket);
      } else {
        oncreate(null, socket);
      }
    });
    // Returning nothing makes the agent wait for `oncreate`; no HTTP byte is written before the pin is checked.
    return undefined;
  }
}

function checkPinned(socket: tls.TLSSocket, pin: string): VeeamTlsError | undefined {
  const cert = socket.getPeerX509Certificate();
  if (!cert)
    return new VeeamTlsError('The Veeam appliance presented no TLS certificate; cannot check VEEAM_CERT_SHA256.');
  const presented = normaliseFingerprint(cert.fingerprint256);
  if (presented !== pin) {
    return new VeeamTlsError(
      `The Veeam appliance presented a TLS certificate whose SHA-256 fingerprint ${describeFingerprint(presented)} does not match ` +
        `VEEAM_CERT_SHA256 (${pin}). If the appliance certificate was renewed on purpose, verify the new one out of band and set VEEAM_CERT_SHA256 to it; otherwise treat this as a possible interception.`,
      presented,
    );
  }
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    return new VeeamTlsError(
      `The pinned Veeam appliance certificate (VEEAM_CERT_SHA256=${pin}) is outside its validity period (${cert.validFrom} - ${cert.validTo}). Renew the appliance certificate and pin the new fingerprint.`,
      presented,
    );
  }
  return undefined;
}

/**
 * Learns the fingerprint of a certificate the CA check just refused, only to put it in the error message so the
 * operator can decide to pin it. This connection never carries data: it is closed right after the handshake.
 */
function probeCertificateFingerprint(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      rejectUnauthorized: false,
      // SNI as the request sent it (Node sends none for an IP), so a server choosing by name shows the same certificate.
      ...(net.isIP(host) ? {} : { servername: host }),
    });
    const finish = (fp: string | undefined) => {
      socket.destroy();
      resolve(fp);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      finish(cert ? normaliseFingerprint(cert.fingerprint256) : undefined);
    });
  });
}

/** Builds the VeeamTlsError for a CA-verification failure, with the presented fingerprint when it can be learned. */
export async function caFailure(err: Error & { code: string }, url: URL, timeoutMs: number): Promise<VeeamTlsError> {
  // URL keeps an IPv6 address in brackets, which is the only place brackets can appear in a host.
  const host = url.hostname.replace(/[[\]]/g, '');
  const port = Number(url.port || 443);
  const presented = await probeCertificateFingerprint(host, port, timeoutMs);
  const pinHint = presented
    ? `The appliance presented the certificate with SHA-256 fingerprint ${describeFingerprint(presented)}. If you have verified it out of band (appliance console), set VEEAM_CERT_SHA256 to pin it.`
    : 'Set VEEAM_CERT_SHA256 to the appliance certificate fingerprint (openssl x509 -noout -fingerprint -sha256) to pin it.';
  return new VeeamTlsError(
    `TLS verification of the Veeam appliance at ${url.host} failed (${err.code}: ${err.message}); the certificate is not trusted by the system CAs. ${pinHint}`,
    presented,
    { cause: err },
  );
}

/** Keyed by the pin; `undefined` is the system-CA agent. */
const agents = new Map<string | undefined, https.Agent>();

/**
 * One keep-alive agent per trust setting, kept in module scope so warm invocations reuse TLS connections.
 * TLS is always verified: by the system CAs, or by the pinned fingerprint.
 */
export function agentFor(pin: string | undefined): https.Agent {
  let agent = agents.get(pin);
  if (!agent) {
    const base: https.AgentOptions = { keepAlive: true, maxSockets: 16 };
    agent = pin
      ? new PinnedAgent(normaliseFingerprint(pin), base)
      : new https.Agent({ ...base, rejectUnauthorized: true });
    agents.set(pin, agent);
  }
  return agent;
}

/** Closes pooled connections (tests, CLI exit). */
export function destroyAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}
