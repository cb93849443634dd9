import { blueprints } from '../../lib/roles/blueprints';
import { renderPolicy } from '../../lib/roles/policies';
import { policySize } from '../../lib/roles/policy-document';
import { INLINE_AGGREGATE_LIMIT } from '../../sim/aws/iam-fake';

const all = blueprints({ backupRoleName: 'VeeamBackupRole', workerRoleName: 'VeeamWorkerRole' });

/** IAM quotas, counted without whitespace: all inline policies of one role together, and one managed policy. */
const INLINE_AGGREGATE = 10_240;
const MANAGED = 6_144;

describe.each(all.map((b) => [b.key, b] as const))('%s policies fit IAM’s limits', (_key, bp) => {
  const sizes = bp.policies.map((p) => policySize(renderPolicy(p)));

  it('inline aggregate ≤ 10,240 characters', () => {
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(INLINE_AGGREGATE);
  });

  it('each document ≤ 6,144 characters, so it could also be a managed policy', () => {
    for (const s of sizes) expect(s).toBeLessThanOrEqual(MANAGED);
  });
});

it('counts the way IAM counts: whitespace is free', () => {
  expect(policySize({ a: 'b c' })).toBe('{"a":"bc"}'.length);
  // The fake enforces the same quota, so the ensure tests would also fail on an oversized blueprint.
  expect(INLINE_AGGREGATE_LIMIT).toBe(INLINE_AGGREGATE);
});
