import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * Role chaining caps a session at 1 h, so cached member credentials are reused for at most 50 minutes and dropped
 * 5 minutes before their own expiry: a long reconcile never hands out a key that dies mid-call.
 */
const MAX_REUSE_MS = 50 * 60_000;
const EXPIRY_MARGIN_MS = 5 * 60_000;

interface Entry {
  credentials: AwsCredentialIdentity;
  usableUntil: number;
}

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Cached credentials for `key`, or the result of `fetch` (concurrent callers for one key share one fetch). */
  async get(key: string, fetch: () => Promise<AwsCredentialIdentity>): Promise<AwsCredentialIdentity> {
    const hit = this.entries.get(key);
    if (hit && this.now() < hit.usableUntil) return hit.credentials;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = (async () => {
      const issuedAt = this.now();
      const credentials = await fetch();
      const expiry = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
      this.entries.set(key, { credentials, usableUntil: Math.min(issuedAt + MAX_REUSE_MS, expiry - EXPIRY_MARGIN_MS) });
      return credentials;
    })();
    this.inFlight.set(key, p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(key);
    }
  }
}
