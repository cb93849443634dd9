import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger for the whole service. Secrets never reach it: the Veeam client, the secret sources and the role
 * code log identifiers and fingerprints only; test/log-hygiene.test.ts scans a whole sandbox story to prove it.
 */
export const logger = new Logger({ serviceName: 'veeam-org-sync' });
