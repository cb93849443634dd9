import { join } from 'node:path';
import type { Template } from '../template/cfn';
import { evaluate, packageTemplate, resourcesOfType, ROOT } from '../template/cfn';
import { ALLOW_ALL, decide, rolePolicies, type Policy } from './simulate';

/**
 * Events are what they say, and Organizations answers only the service. The forwarder account may put on the
 * service's bus only the sources the forwarder forwards (so it cannot forge the service's own lifecycle events or
 * anything else the bus routes), its forward role likewise, and the Organizations delegation policy names the function
 * roles of the service account rather than the whole account.
 */
const FORWARDER = '111111111111';
const SERVICE = '222233334444';
const MANAGEMENT = '555566667777';
const WORKER_FN = `arn:aws:iam::${SERVICE}:role/veeam-org-sync-prod-WorkerRole-A`;
const ROTATE_FN = `arn:aws:iam::${SERVICE}:role/veeam-org-sync-prod-RotateRole-C`;
const OWN = '123456789012'; // the service stack's account as test/template/cfn.ts evaluates it
const BUS = `arn:aws:events:us-east-1:${OWN}:event-bus/default`;
const SOURCES = ['aws.organizations', 'aws.controltower'];
const FORGED = ['veeam-org-sync', 'aws.events', 'custom.anything'];

let service: Template;
let forwarder: Template;
let management: Template;

beforeAll(async () => {
  service = await packageTemplate({ orgId: 'o-abc123def4', forwarderAccountId: FORWARDER });
  forwarder = await packageTemplate({ targetBusArn: BUS }, join(ROOT, 'forwarder'));
  management = await packageTemplate(
    {
      serviceAccountId: SERVICE,
      organizationsReaderArns: `${WORKER_FN},${ROTATE_FN}`,
      veeamPrincipalArn: 'arn:aws:iam::333333333333:role/VeeamImpersonation',
      orgRootId: 'r-ab12',
    },
    join(ROOT, 'management'),
  );
}, 400_000);

const putEvents = (principal: string, source: string, o: { identity?: Policy[]; resourcePolicy?: unknown }) =>
  decide({
    principal,
    action: 'events:PutEvents',
    resource: BUS,
    accountId: OWN,
    // Multi-valued, one value per entry of the call (the service authorization reference: ArrayOfString).
    context: { 'events:source': [source] },
    ...o,
  });

describe('the service bus, for the forwarder account', () => {
  const busPolicy = () => {
    const [[, policy] = []] = resourcesOfType(service, 'AWS::Events::EventBusPolicy');
    return { Version: '2012-10-17', Statement: [policy!.Statement] };
  };

  it('takes Organizations and Control Tower events from it', async () => {
    for (const source of SOURCES)
      expect(await putEvents(`arn:aws:iam::${FORWARDER}:role/Forward`, source, { resourcePolicy: busPolicy() })).toBe(
        'Allowed',
      );
  });

  it('refuses any other source from it, e.g. a forged lifecycle event of the service', async () => {
    const mixed = await decide({
      principal: `arn:aws:iam::${FORWARDER}:role/Forward`,
      action: 'events:PutEvents',
      resource: BUS,
      accountId: OWN,
      context: { 'events:source': ['aws.organizations', 'veeam-org-sync'] },
      resourcePolicy: busPolicy(),
    });
    expect(mixed).not.toBe('Allowed');
    for (const source of FORGED)
      expect(
        await putEvents(`arn:aws:iam::${FORWARDER}:role/Forward`, source, { resourcePolicy: busPolicy() }),
      ).not.toBe('Allowed');
  });
});

describe('the forwarder’s role', () => {
  const role = () => rolePolicies(forwarder, 'ForwardRole');
  const principal = `arn:aws:iam::${OWN}:role/veeam-org-sync-forwarder-dev-ForwardRole-X`;

  it('puts only Organizations and Control Tower events on the service bus', async () => {
    for (const source of SOURCES) expect(await putEvents(principal, source, { identity: role() })).toBe('Allowed');
    for (const source of FORGED) expect(await putEvents(principal, source, { identity: role() })).not.toBe('Allowed');
  });
});

describe('the Organizations delegation policy', () => {
  const readAs = (principal: string) => {
    const [[, policy] = []] = resourcesOfType(management, 'AWS::Organizations::ResourcePolicy');
    return decide({
      principal,
      action: 'organizations:ListAccounts',
      resource: '*',
      accountId: MANAGEMENT,
      identity: [ALLOW_ALL],
      resourcePolicy: evaluate(management, policy!.Content),
    });
  };

  it('lets the service’s function roles read the organization', async () => {
    for (const fn of [WORKER_FN, ROTATE_FN]) expect(await readAs(fn)).toBe('Allowed');
  });

  it('refuses any other principal of the service account', async () => {
    expect(await readAs(`arn:aws:iam::${SERVICE}:role/Admin`)).not.toBe('Allowed');
    expect(await readAs(`arn:aws:iam::${SERVICE}:user/someone`)).not.toBe('Allowed');
  });
});
