import { join } from 'node:path';
import { readSavedConfig } from '../../scripts/stack-settings';

const SERVICE_STACK = /^veeam-org-sync-([a-zA-Z0-9-]+)$/;

/**
 * The region saved for a stack's stage (config/<stage>.yml, `region:`), so that `--stack veeam-org-sync-prod` finds the
 * stack where `serverless deploy --stage prod` put it without --region. Undefined for another stack name or no file.
 */
export function savedRegion(stack: string, root = join(__dirname, '..', '..')): string | undefined {
  const stage = SERVICE_STACK.exec(stack)?.[1];
  if (!stage || stage === 'management' || stage.startsWith('management-') || stage.startsWith('forwarder-'))
    return undefined;
  const region = readSavedConfig(stage, root)?.region;
  return typeof region === 'string' && region ? region : undefined;
}
