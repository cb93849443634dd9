import { ConfigError } from '../errors';

export type QueueUrlName = 'ACCOUNT_QUEUE_URL' | 'INTAKE_DLQ_URL' | 'WORKER_DLQ_URL';

const OUTPUT_OF: Record<QueueUrlName, string> = {
  ACCOUNT_QUEUE_URL: 'AccountQueueUrl',
  INTAKE_DLQ_URL: 'IntakeDlqUrl',
  WORKER_DLQ_URL: 'WorkerDlqUrl',
};

/**
 * The queue URLs a function is wired to (set by serverless.yml). Read separately from config() so the intake,
 * which never talks to Veeam, keeps working while the Veeam settings are being fixed. A missing one (typically
 * `serverless invoke local`, which runs without the stack's values) is named with the stack output to set it from;
 * `why` says what needed it.
 */
export function queueUrls<K extends QueueUrlName>(
  names: readonly K[],
  env: Record<string, string | undefined> = process.env,
  why?: string,
): Record<K, string> {
  const missing = names.filter((n) => !env[n]?.trim());
  if (missing.length) {
    throw new ConfigError(
      missing.map(
        (n) =>
          `${n} is required but not set${why ? `: ${why}` : ''}. The stack sets it in Lambda; with "serverless invoke ` +
          `local" add --env ${n}=<the stack's ${OUTPUT_OF[n]} output>.`,
      ),
    );
  }
  return Object.fromEntries(names.map((n) => [n, env[n]!.trim()])) as Record<K, string>;
}
