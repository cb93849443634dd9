import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { RoleBlueprint } from '../../lib/roles/types';
import { APPLIANCE, BACKUP, desired, ID_A, ID_B, MEMBER, WORKER, world, type World } from './iam-world';

/**
 * The trust documents ensure() writes, evaluated by an independent IAM policy simulator (not by our own parser):
 * the confused-deputy protection must hold in IAM's semantics, not just in ours.
 */
let w: World;
beforeEach(() => {
  w = world();
});
afterEach(() => w.fake.restore());

/** The appliance's impersonation role may call sts:AssumeRole on "*" (Veeam's documented permission). */
const IMPERSONATION_POLICY = {
  name: 'impersonation',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
};

async function trustAsWritten(bp: RoleBlueprint, ids: string[]): Promise<unknown> {
  await w.ensure(bp, desired(ids));
  return (await w.store.read(bp)).trustDocument;
}

async function decide(trust: unknown, bp: RoleBlueprint, principal: string, externalId?: string): Promise<string> {
  const res = await runSimulation(
    {
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: { resource: `arn:aws:iam::${MEMBER}:role/${bp.roleName}`, accountId: MEMBER },
        contextVariables: externalId === undefined ? {} : { 'sts:ExternalId': externalId },
      },
      identityPolicies: principal.startsWith('arn:') ? [IMPERSONATION_POLICY] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
    },
    {},
  );
  if (res.resultType === 'error') throw new Error(`simulation rejected its input: ${JSON.stringify(res.errors)}`);
  return res.overallResult;
}

describe.each([BACKUP, WORKER])('trust of $key as written to IAM', (bp) => {
  it('lets the appliance in with the right external ID only', async () => {
    const trust = await trustAsWritten(bp, [ID_A]);
    expect(await decide(trust, bp, APPLIANCE, ID_A)).toBe('Allowed');
    expect(await decide(trust, bp, APPLIANCE, ID_B)).toBe('ImplicitlyDenied');
    expect(await decide(trust, bp, APPLIANCE)).toBe('ImplicitlyDenied');
    expect(await decide(trust, bp, APPLIANCE, ID_A.toLowerCase())).toBe('ImplicitlyDenied');
  });

  it('keeps out other principals, even with the right external ID', async () => {
    const trust = await trustAsWritten(bp, [ID_A]);
    expect(await decide(trust, bp, 'arn:aws:iam::999988887777:role/SomeoneElse', ID_A)).toBe('ImplicitlyDenied');
    expect(await decide(trust, bp, `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`, ID_A)).toBe(
      'ImplicitlyDenied',
    );
  });

  it('accepts both IDs during a rotation and only the new one after it', async () => {
    const during = await trustAsWritten(bp, [ID_A, ID_B]);
    expect(await decide(during, bp, APPLIANCE, ID_A)).toBe('Allowed');
    expect(await decide(during, bp, APPLIANCE, ID_B)).toBe('Allowed');
    const after = await trustAsWritten(bp, [ID_B]);
    expect(await decide(after, bp, APPLIANCE, ID_A)).toBe('ImplicitlyDenied');
    expect(await decide(after, bp, APPLIANCE, ID_B)).toBe('Allowed');
  });
});

it('lets EC2 assume the worker role only', async () => {
  expect(await decide(await trustAsWritten(WORKER, [ID_A]), WORKER, 'ec2.amazonaws.com')).toBe('Allowed');
  expect(await decide(await trustAsWritten(BACKUP, [ID_A]), BACKUP, 'ec2.amazonaws.com')).toBe('ImplicitlyDenied');
});

it('agrees with the fake’s canAssume (which the sandbox relies on)', async () => {
  await w.ensure(WORKER, desired([ID_A, ID_B]));
  const trust = (await w.store.read(WORKER)).trustDocument;
  for (const [principal, id] of [
    [APPLIANCE, ID_A],
    [APPLIANCE, ID_B],
    [APPLIANCE, 'nope'],
    [APPLIANCE, undefined],
    ['arn:aws:iam::999988887777:role/SomeoneElse', ID_A],
    ['ec2.amazonaws.com', undefined],
  ] as const) {
    const simulated = (await decide(trust, WORKER, principal, id)) === 'Allowed';
    expect([principal, id, w.fake.canAssume(MEMBER, WORKER.roleName, principal, id)]).toEqual([
      principal,
      id,
      simulated,
    ]);
  }
});
