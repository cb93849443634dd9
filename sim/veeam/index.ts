import https from 'node:https';
import type { Socket } from 'node:net';
import { createApi } from './api';
import { createSelfSignedCertificate, sharedCertificate, type SimCertificate } from './cert';
import { SimFaults, SimState } from './state';

export { SERVED_ROUTES } from './api';
export type { SimEntry } from './state';
export { SimFaults, SimState } from './state';

export interface VeeamSimulatorOptions {
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** username -> password. */
  users?: Record<string, string>;
  /** x-api-version values accepted, newest first. */
  supportedVersions?: string[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  maxPageSize?: number;
  /**
   * How many GET /sessions/{id} answer Running before a rescan session ends; at least 1 (a real rescan is never
   * over by the time it is first polled), default 1.
   */
  sessionRunningPolls?: number;
  /**
   * Could the appliance assume the role with the external ID it holds? A rescan session fails when this says no.
   * sim/world.ts wires it to the IAM/STS fake's trust evaluation; without it (e.g. the simulator in a child
   * process) every rescan succeeds.
   */
  assumeCheck?: (accountId: string, roleName: string, externalId: string | undefined) => boolean | Promise<boolean>;
  now?: () => number;
  /** A certificate of its own instead of the one shared by simulators of this process. */
  freshCertificate?: boolean;
  certificate?: SimCertificate;
}

export interface VeeamSimulator {
  /** e.g. https://127.0.0.1:40123 */
  url: string;
  /** Lower-case hex SHA-256 of the certificate DER (the VEEAM_CERT_SHA256 format). */
  certSha256: string;
  certPem: string;
  state: SimState;
  faults: SimFaults;
  stop(): Promise<void>;
}

export const DEFAULT_SIM_USER = { username: 'svc-veeam-org-sync', password: 'sim-Pa55word!' };
export const DEFAULT_SUPPORTED_VERSIONS = ['1.9-rev0', '1.8-rev0', '1.7-rev1'];

/** A local HTTPS stand-in for the Veeam Backup for AWS REST API (IAM-role entries, tokens, sessions). */
export async function startVeeamSimulator(opts: VeeamSimulatorOptions = {}): Promise<VeeamSimulator> {
  const cert =
    opts.certificate ?? (opts.freshCertificate ? await createSelfSignedCertificate() : await sharedCertificate());
  const state = new SimState(opts.users ?? { [DEFAULT_SIM_USER.username]: DEFAULT_SIM_USER.password });
  const sockets = new Set<Socket>();
  const faults = new SimFaults(state, () => {
    for (const s of sockets) s.destroy();
  });
  const dispatch = createApi(state, faults, {
    supportedVersions: opts.supportedVersions ?? DEFAULT_SUPPORTED_VERSIONS,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 7200,
    maxPageSize: opts.maxPageSize ?? 1000,
    sessionRunningPolls: Math.max(1, opts.sessionRunningPolls ?? 1),
    ...(opts.assumeCheck ? { assumeCheck: opts.assumeCheck } : {}),
    now: opts.now ?? Date.now,
  });
  let base = '';
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    dispatch(req, res, base).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: `${base}/api/v1/problems/unknownError`,
          title: 'Internal error',
          status: 500,
          errorCode: 'UnknownError',
          details: String(err),
        }),
      );
    });
  });
  server.on('connection', (socket: Socket) => {
    if (faults.down) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Clients that give up on a handshake (wrong pin, CA failure) reset the connection; that is not a server error.
  server.on('tlsClientError', () => undefined);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  base = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: base,
    certSha256: cert.sha256,
    certPem: cert.certPem,
    state,
    faults,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
