import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { sleep } from '../lib/util/sleep';

/** Round trips in ms per service; in-memory fakes answer in microseconds, which would flatter every number. */
export interface LatencyProfile {
  organizations: number;
  iam: number;
  sts: number;
  sqs: number;
}

/** Typical same-region round trips seen from Lambda; Organizations is farther away when deployed outside us-east-1. */
export const DEFAULT_LATENCY: LatencyProfile = { organizations: 20, iam: 30, sts: 30, sqs: 10 };

export interface NoiseProfile {
  /** Each call takes latency x U[1 - jitter, 1 + jitter]. */
  jitter: number;
  /** Share of IAM and Organizations attempts answered with their throttling error (Throttling, TooManyRequestsException). */
  throttleRate: number;
  /** Seed of the deterministic random source, so two runs see the same jitter and throttles. */
  seed: number;
}

export const NO_NOISE: NoiseProfile = { jitter: 0, throttleRate: 0, seed: 1 };

/** mulberry32: small, fast, good enough to spread latencies. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What the SDK's standard retry mode does with a throttled attempt, emulated here because aws-sdk-client-mock
 * replaces the client's whole middleware stack (retries included): wait a full-jitter backoff (base 500 ms for
 * throttling, doubling, 20 s cap) and try again, up to the client's maxAttempts (lib/aws/retry-policy.ts); after the
 * last attempt the error reaches the service's own code (withThrottleRetry for Organizations, the queue for IAM).
 */
const THROTTLE_BASE_MS = 500;
const THROTTLE_CAP_MS = 20_000;
const MAX_ATTEMPTS: Record<keyof LatencyProfile, number> = { organizations: 10, iam: 8, sts: 8, sqs: 5 };
const THROTTLED = new Set<keyof LatencyProfile>(['iam', 'organizations']);

function throttleError(service: keyof LatencyProfile): Error {
  const name = service === 'organizations' ? 'TooManyRequestsException' : 'Throttling';
  return Object.assign(new Error('Rate exceeded'), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: service === 'organizations' ? 429 : 400 },
    $retryable: { throttling: true },
  });
}

export interface LatencyHandle {
  /** Calls per service since install. */
  readonly calls: Record<keyof LatencyProfile, number>;
  /** Attempts answered with a throttling error (and retried as the SDK would) per service. */
  readonly throttled: Record<keyof LatencyProfile, number>;
  /** Most calls in flight at once per service: shows whether concurrency limits hold. */
  readonly peakInFlight: Record<keyof LatencyProfile, number>;
  /** Puts the fakes' own `send` back. Call before restoring the fakes. */
  undo(): void;
}

type Send = (this: unknown, ...args: unknown[]) => Promise<unknown>;
// Each SDK client's `send` is a set of generic overloads; only the call shape matters to the wrapper.
type ClientClass = { prototype: object };

const CLIENTS: Record<keyof LatencyProfile, ClientClass> = {
  organizations: OrganizationsClient,
  iam: IAMClient,
  sts: STSClient,
  sqs: SQSClient,
};

/**
 * Delays every SDK call by the service's latency, on top of whatever answers it (install the aws-sdk-client-mock
 * fakes first: mockClient() replaces `send` on the prototype, and this wraps that replacement). Works in a plain tsx
 * process, which is how `npm run bench` runs.
 */
export function installAwsLatency(
  profile: LatencyProfile = DEFAULT_LATENCY,
  noise: NoiseProfile = NO_NOISE,
): LatencyHandle {
  const random = seededRandom(noise.seed);
  const delay = (ms: number) => ms * (1 + noise.jitter * (2 * random() - 1));
  const calls = { organizations: 0, iam: 0, sts: 0, sqs: 0 };
  const throttled = { organizations: 0, iam: 0, sts: 0, sqs: 0 };
  const peakInFlight = { organizations: 0, iam: 0, sts: 0, sqs: 0 };
  const undo: Array<() => void> = [];
  for (const service of Object.keys(CLIENTS) as Array<keyof LatencyProfile>) {
    const proto = CLIENTS[service].prototype as { send: Send };
    const inner = proto.send;
    let inFlight = 0;
    proto.send = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      calls[service]++;
      peakInFlight[service] = Math.max(peakInFlight[service], ++inFlight);
      try {
        for (let attempt = 1; ; attempt++) {
          await sleep(delay(profile[service]));
          if (!(THROTTLED.has(service) && random() < noise.throttleRate)) break;
          throttled[service]++;
          if (attempt >= MAX_ATTEMPTS[service]) throw throttleError(service);
          await sleep(random() * Math.min(THROTTLE_CAP_MS, THROTTLE_BASE_MS * 2 ** (attempt - 1)));
        }
        return await inner.apply(this, args);
      } finally {
        inFlight--;
      }
    };
    undo.push(() => {
      proto.send = inner;
    });
  }
  return { calls, throttled, peakInFlight, undo: () => undo.forEach((u) => u()) };
}
