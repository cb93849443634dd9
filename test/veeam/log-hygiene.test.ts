import { Logger } from '@aws-lambda-powertools/logger';
import { ensureRegistration, unregister } from '../../lib/registration';
import { destroyAgents } from '../../lib/veeam/tls';
import { DEFAULT_SIM_USER, startVeeamSimulator } from '../../sim/veeam';
import { clientFor, recordingSecrets } from './veeam-test-client';

afterAll(() => destroyAgents());

/**
 * A whole client session at DEBUG level, through the real Powertools logger, with the paths that tend to leak:
 * a refused login, a rotated external ID, token expiry, a retried 5xx. Nothing secret may appear in the output.
 */
it('never writes passwords, tokens or external IDs to the log', async () => {
  const sim = await startVeeamSimulator({ sessionRunningPolls: 1 });
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // Powertools writes DEBUG/INFO to stdout and WARN/ERROR to stderr.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  const issued = new Set<string>();
  const collectTokens = () => {
    for (const t of sim.state.accessTokens.keys()) issued.add(t);
    for (const t of sim.state.refreshTokens.keys()) issued.add(t);
  };
  const externalIds = ['FirstExternalIdValueXXXXXXXXXXXXXXXXXXXX', 'SecondExternalIdValueYYYYYYYYYYYYYYYYYYY'];
  try {
    const logger = new Logger({ serviceName: 'veeam-org-sync', logLevel: 'DEBUG' });
    const secrets = recordingSecrets(
      { username: DEFAULT_SIM_USER.username, password: 'Stale-Password-123' },
      DEFAULT_SIM_USER,
    );
    const { client } = clientFor(sim, { logger, secrets });
    const desired = {
      accountId: '999988887777',
      blueprintKey: 'backup',
      roleName: 'VeeamBackupRole',
      installationId: 'veeam-org-sync',
      externalId: externalIds[0]!,
    };
    const { entry } = await ensureRegistration(client, desired, [], { dryRun: false });
    collectTokens();
    sim.faults.expireTokensNow();
    sim.faults.failNext(1, 503);
    await ensureRegistration(client, { ...desired, externalId: externalIds[1]! }, await client.listEntries(), {
      dryRun: false,
    });
    collectTokens();
    await client.rescanAndWait(entry!.id);
    await unregister(client, entry!, { dryRun: false, installationId: 'veeam-org-sync' });
    collectTokens();
    await client.logout();
  } finally {
    for (const s of spies) s.mockRestore();
    await sim.stop();
  }
  const out = written.join('');
  expect(out).toMatch(/"message":"Veeam request"/);
  expect(out).toMatch(/"status":401/);
  expect(out).toMatch(/"message":"Veeam request will be retried"/);
  expect(issued.size).toBeGreaterThanOrEqual(4);
  for (const secret of [DEFAULT_SIM_USER.password, 'Stale-Password-123', ...externalIds, ...issued])
    expect(out).not.toContain(secret);
});
