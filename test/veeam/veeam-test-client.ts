import { createVeeamClient, type VeeamClient, type VeeamClientOptions } from '../../lib/veeam/client';
import type { SessionCache } from '../../lib/veeam/session-cache';
import type { SecretSource, VeeamCredentials } from '../../lib/secrets/types';
import { DEFAULT_SIM_USER, type VeeamSimulator } from '../../sim/veeam';

export const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** A SecretSource that records how it was asked (fresh or not); AWS is not involved in these tests. */
export function recordingSecrets(
  first: VeeamCredentials = DEFAULT_SIM_USER,
  fresh: VeeamCredentials = first,
): SecretSource & { reads: boolean[] } {
  const reads: boolean[] = [];
  return {
    reads,
    veeamCredentials: (o = {}) => {
      reads.push(Boolean(o.fresh));
      return Promise.resolve(o.fresh ? fresh : first);
    },
  };
}

export interface TestClient {
  client: VeeamClient;
  sleeps: number[];
  cache: SessionCache;
  secrets: SecretSource & { reads: boolean[] };
}

/** A client for a simulator: pinned to its certificate, instant backoff (recorded), a private token cache. */
export function clientFor(
  sim: VeeamSimulator,
  o: Partial<VeeamClientOptions> & { versions?: string[]; pin?: string | null; cache?: SessionCache } = {},
): TestClient {
  const { versions, pin: pinOption, cache: cacheOption, ...rest } = o;
  const sleeps: number[] = [];
  const cache = cacheOption ?? new Map();
  const secrets = (o.secrets as TestClient['secrets'] | undefined) ?? recordingSecrets();
  const pin = pinOption === null ? undefined : (pinOption ?? sim.certSha256);
  const client = createVeeamClient({
    logger: silentLogger,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    retry: { baseDelayMs: 10 },
    pollIntervalMs: 1,
    timeoutMs: 3_000,
    sessionCache: cache,
    ...rest,
    secrets,
    config: {
      veeamUrl: new URL(sim.url),
      veeamApiVersions: versions ?? ['1.8-rev0', '1.7-rev1', '1.7-rev0'],
      veeamSecretId: 'veeam/api-user',
      ...(pin ? { veeamCertSha256: pin } : {}),
    },
  });
  return { client, sleeps, cache, secrets };
}
