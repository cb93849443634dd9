import http from 'node:http';
import type { Socket } from 'node:net';

export interface SecretsExtensionSimulatorOptions {
  /** secretId (name or ARN as the caller passes it) -> SecretString. */
  secrets: Record<string, string>;
  /** The value the caller must send in X-Aws-Parameters-Secrets-Token (AWS_SESSION_TOKEN in Lambda). */
  token: string;
  port?: number;
  /**
   * The first N requests are answered as during INIT / extension start-up: with 400 (what AWS documents for calls
   * made too early), or by resetting the connection.
   */
  notReady?: { requests: number; mode?: '400' | 'reset' };
}

/** A status to answer with (e.g. 401, 429, 503) or a connection reset, for the next requests. */
export type ExtensionFault = number | 'reset';

export interface SecretsExtensionRequest {
  path: string;
  secretId: string | null;
  /** Whether the token header was present and right (the token itself is not recorded). */
  tokenOk: boolean;
  status: number;
}

export interface SecretsExtensionSimulator {
  port: number;
  requests: SecretsExtensionRequest[];
  /** The next `n` requests get `fault` instead of an answer (transient trouble while the function runs). */
  failNext(n: number, fault: ExtensionFault): void;
  stop(): Promise<void>;
}

/** The extension's documented error body: the real reason only goes to CloudWatch Logs. */
const BAD_REQUEST = JSON.stringify({ error: '400 Bad Request: an unexpected error occurred while executing request' });

/**
 * The AWS Parameters and Secrets Lambda Extension's HTTP contract on a local port.
 * Token header missing or wrong: 401 (AWS does not document this case; the client treats any non-200 alike).
 */
export async function startSecretsExtensionSimulator(
  opts: SecretsExtensionSimulatorOptions,
): Promise<SecretsExtensionSimulator> {
  const requests: SecretsExtensionRequest[] = [];
  let notReadyLeft = opts.notReady?.requests ?? 0;
  const faults: ExtensionFault[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const secretId = url.searchParams.get('secretId');
    const tokenOk = req.headers['x-aws-parameters-secrets-token'] === opts.token;
    const answer = (status: number, body: string) => {
      requests.push({ path: url.pathname, secretId, tokenOk, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    const fault = faults.shift();
    if (fault === 'reset') {
      requests.push({ path: url.pathname, secretId, tokenOk, status: 0 });
      req.socket.destroy();
      return;
    }
    if (fault !== undefined) return answer(fault, JSON.stringify({ error: `${fault} (injected)` }));
    if (notReadyLeft > 0) {
      notReadyLeft--;
      if (opts.notReady?.mode === 'reset') {
        requests.push({ path: url.pathname, secretId, tokenOk, status: 0 });
        req.socket.destroy();
        return;
      }
      return answer(400, BAD_REQUEST);
    }
    if (!tokenOk)
      return answer(401, JSON.stringify({ error: 'missing or invalid X-Aws-Parameters-Secrets-Token header' }));
    if (url.pathname !== '/secretsmanager/get' || !secretId) return answer(400, BAD_REQUEST);
    const value = opts.secrets[secretId];
    if (value === undefined) return answer(400, BAD_REQUEST);
    const name = secretId.startsWith('arn:') ? (secretId.split(':').pop() ?? secretId) : secretId;
    answer(
      200,
      JSON.stringify({
        ARN: secretId.startsWith('arn:')
          ? secretId
          : `arn:aws:secretsmanager:us-east-1:111111111111:secret:${name}-AbCdEf`,
        Name: name,
        VersionId: '00000000-0000-4000-8000-000000000001',
        SecretString: value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: '2026-01-01T00:00:00.000Z',
        ResultMetadata: {},
      }),
    );
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    requests,
    failNext: (n, fault) => {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
