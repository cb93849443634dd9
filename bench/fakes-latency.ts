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

export interface LatencyHandle {
  /** Calls per service since install. */
  readonly calls: Record<keyof LatencyProfile, number>;
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
export function installAwsLatency(profile: LatencyProfile = DEFAULT_LATENCY): LatencyHandle {
  const calls = { organizations: 0, iam: 0, sts: 0, sqs: 0 };
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
        await sleep(profile[service]);
        return await inner.apply(this, args);
      } finally {
        inFlight--;
      }
    };
    undo.push(() => {
      proto.send = inner;
    });
  }
  return { calls, peakInFlight, undo: () => undo.forEach((u) => u()) };
}
