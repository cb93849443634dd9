import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger for the whole service. Secrets never reach it: the Veeam client, the secret sources and the role
 * code log identifiers and fingerprints only; test/e2e/sandbox-story.test.ts scans every line of the sandbox story
 * (and test/veeam/log-hygiene.test.ts a client session) to prove it.
 */
export const logger = new Logger({ serviceName: 'veeam-org-sync' });
