/* Standalone appliance for the sandbox and manual runs: npm run simulate:veeam [-- --port 11005] */
import { DEFAULT_SIM_USER, startVeeamSimulator } from './index';

async function main(): Promise<void> {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.VEEAM_SIM_PORT ?? 0);
  const sim = await startVeeamSimulator({ port, freshCertificate: true });
  const colons = sim.certSha256.toUpperCase().match(/../g)?.join(':') ?? sim.certSha256;
  process.stdout.write(
    [
      `Veeam simulator listening on ${sim.url}`,
      `VEEAM_URL=${sim.url}`,
      `VEEAM_CERT_SHA256=${sim.certSha256}`,
      `SHA-256 fingerprint: ${colons}`,
      `Secret value: ${JSON.stringify(DEFAULT_SIM_USER)}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const stop = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
