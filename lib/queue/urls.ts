import { ConfigError } from '../errors';

export type QueueUrlName = 'ACCOUNT_QUEUE_URL' | 'INTAKE_DLQ_URL' | 'WORKER_DLQ_URL';

/**
 * The queue URLs a function is wired to (set by serverless.yml). Read separately from config() so the intake,
 * which never talks to Veeam, keeps working while the Veeam settings are being fixed.
 */
export function queueUrls<K extends QueueUrlName>(
  names: readonly K[],
  env: Record<string, string | undefined> = process.env,
): Record<K, string> {
  const missing = names.filter((n) => !env[n]?.trim());
  if (missing.length) {
    throw new ConfigError(
      missing.map((n) => `${n} is required but not set; serverless.yml sets it from the stack's queues.`),
    );
  }
  return Object.fromEntries(names.map((n) => [n, env[n]!.trim()])) as Record<K, string>;
}
