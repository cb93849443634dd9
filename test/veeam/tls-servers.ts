import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import { generate } from 'selfsigned';
import { createHttpsTransport, type HttpResponse } from '../../lib/veeam/http';

export interface TestCertificate {
  key: string;
  cert: string;
  /** VEEAM_CERT_SHA256 spelling. */
  sha256: string;
}

/** An EC certificate (fast to make), by default for localhost and 127.0.0.1, self-signed unless `issuer` is given. */
export async function makeCertificate(
  name: string,
  o: { issuer?: TestCertificate; isCa?: boolean; notBefore?: Date; notAfter?: Date; altNames?: string[] } = {},
): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...(o.notBefore ? { notBeforeDate: o.notBefore } : {}),
    ...(o.notAfter ? { notAfterDate: o.notAfter } : {}),
    ...(o.issuer ? { ca: { key: o.issuer.key, cert: o.issuer.cert } } : {}),
    extensions: o.isCa
      ? [
          { name: 'basicConstraints', cA: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          {
            name: 'subjectAltName',
            altNames: o.altNames?.map((value) => ({ type: 2, value })) ?? [
              { type: 2, value: 'localhost' },
              { type: 7, ip: '127.0.0.1' },
            ],
          },
        ],
  });
  const sha256 = new X509Certificate(pems.cert).fingerprint256.replace(/:/g, '').toLowerCase();
  return { key: pems.private, cert: pems.cert, sha256 };
}

export interface TlsTestServer {
  /** https://host:port/ with `host` as given (default 127.0.0.1; IPv6 in brackets). */
  url(host?: string): URL;
  port: number;
  /** TLS connections whose handshake the server finished. */
  handshakes: number;
  /** SNI names clients sent, one per connection that sent one. */
  servernames: string[];
  /** HTTP requests that reached the server: anything sent before a trust decision shows up here. */
  requests: number;
  /** Resolves when every connection the server accepted so far has closed. */
  allClosed(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A local HTTPS server answering `{}`. `after` decides what later TCP connections get once `tlsConnections` have
 * been served: 'silent' accepts and never answers, 'reset' closes at once.
 */
export async function startTlsServer(
  options: tls.TlsOptions,
  o: { listen?: string; tlsConnections?: number; after?: 'silent' | 'reset' } = {},
): Promise<TlsTestServer> {
  const sockets = new Set<net.Socket>();
  const state = { handshakes: 0, requests: 0, servernames: [] as string[] };
  const server = https.createServer(
    {
      ...options,
      SNICallback: (name, cb) => {
        state.servernames.push(name);
        cb(null, undefined);
      },
    },
    (_req, res) => {
      state.requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    },
  );
  server.on('secureConnection', () => state.handshakes++);
  server.on('tlsClientError', () => undefined);
  let accepted = 0;
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    accepted++;
    if (o.tlsConnections === undefined || accepted <= o.tlsConnections) server.emit('connection', socket);
    else if (o.after === 'reset') socket.destroy();
  });
  const listen = o.listen ?? '127.0.0.1';
  await new Promise<void>((resolve) => front.listen(0, listen, resolve));
  const port = (front.address() as net.AddressInfo).port;
  return {
    url: (host = listen) => new URL(`https://${net.isIPv6(host) ? `[${host}]` : host}:${port}/`),
    port,
    get handshakes() {
      return state.handshakes;
    },
    get requests() {
      return state.requests;
    },
    servernames: state.servernames,
    allClosed: () =>
      Promise.all([...sockets].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())))).then(
        () => undefined,
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        front.close(() => resolve());
      }),
  };
}

/** One GET through the client's transport, as an invocation configured with `pin` (or the system CAs) makes it. */
export function get(url: URL, pin: string | undefined, timeoutMs = 2_000): Promise<HttpResponse> {
  return createHttpsTransport({ certSha256: pin, timeoutMs })({ method: 'GET', url, headers: {} });
}

/** The settled outcome of `p`, or 'still pending' when it has not settled within `ms` (a hang is a failure). */
export function within<T>(p: Promise<T>, ms: number): Promise<T | Error | 'still pending'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still pending'), ms);
    p.then(
      (v) => resolve(v),
      (e: unknown) => resolve(e as Error),
    ).finally(() => clearTimeout(timer));
  });
}
