import { metrics } from '../../lib/metrics';
import { destroyAgents } from '../../lib/veeam/tls';
import { startVeeamSimulator, type VeeamSimulator } from '../../sim/veeam';
import { clientFor } from './veeam-test-client';

let sim: VeeamSimulator;
let added: string[];
let spy: jest.SpyInstance;
beforeEach(async () => {
  sim = await startVeeamSimulator();
  added = [];
  spy = jest.spyOn(metrics(), 'addMetric').mockImplementation(function (
    this: ReturnType<typeof metrics>,
    name: string,
  ) {
    added.push(name);
    return this;
  });
});
afterEach(async () => {
  spy.mockRestore();
  await sim.stop();
});
afterAll(() => destroyAgents());

const failures = () => added.filter((n) => n === 'VeeamRequestsFailed').length;

describe('VeeamRequestsFailed (the dashboard plots it)', () => {
  it('counts a request that failed for good, once, not each retry', async () => {
    const { client } = clientFor(sim, { retry: { maxAttempts: 3, baseDelayMs: 1 } });
    sim.faults.setDown(true);
    await expect(client.listEntries()).rejects.toMatchObject({ code: 'VeeamUnreachable' });
    expect(failures()).toBe(1);
  });

  it('counts an answer the operation does not accept; a success or a retried 503 counts nothing', async () => {
    const { client } = clientFor(sim, { retry: { maxAttempts: 3, baseDelayMs: 1 } });
    await client.login();
    sim.faults.failNext(1, 503);
    await client.listEntries();
    expect(failures()).toBe(0);
    sim.faults.failPath('GET', '/api/v1/accounts/amazon', 400, 1);
    await expect(client.listEntries()).rejects.toMatchObject({ status: 400 });
    expect(failures()).toBe(1);
  });
});
