import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { NetworkError, VeeamTlsError } from './errors';
import { agentFor, caFailure, isTlsVerificationError } from './tls';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** Responses are small JSON documents; a cap stops a misbehaving endpoint from exhausting Lambda memory. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * node:https transport. Every request has an overall deadline (connect + TLS + response), because an unreachable
 * appliance in a VPC usually shows up as a silent drop, not a refusal.
 */
export function createHttpsTransport(opts: { certSha256?: string; timeoutMs: number }): Transport {
  const agent = agentFor(opts.certSha256);
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const r = https.request(
        req.url,
        {
          method: req.method,
          headers: {
            ...req.headers,
            ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
          },
          agent,
          timeout: opts.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES)
              r.destroy(
                new NetworkError(`response from ${req.url.pathname} exceeds ${MAX_BODY_BYTES} bytes`, 'EBODYTOOLARGE'),
              );
            else chunks.push(c);
          });
          res.on('end', () => {
            clearTimeout(deadline);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('error', fail);
        },
      );
      const deadline = setTimeout(
        () => r.destroy(new NetworkError(`no response within ${opts.timeoutMs} ms`, 'ETIMEDOUT')),
        opts.timeoutMs,
      );
      r.on('timeout', () => r.destroy(new NetworkError(`socket idle for ${opts.timeoutMs} ms`, 'ETIMEDOUT')));
      r.on('error', fail);
      function fail(err: Error & { code?: string }) {
        clearTimeout(deadline);
        if (err instanceof VeeamTlsError || err instanceof NetworkError) return reject(err);
        if (isTlsVerificationError(err)) {
          caFailure(err, req.url, opts.timeoutMs).then(reject, reject);
          return;
        }
        reject(
          new NetworkError(`${err.code ?? 'network error'}: ${err.message}`, err.code ?? 'ENETWORK', { cause: err }),
        );
      }
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
}
