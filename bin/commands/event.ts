import { readFileSync } from 'node:fs';
import { convergeAccount } from '../../lib/account/converge-account';
import { classifyEvent } from '../../lib/intake/classify';
import { flag } from '../flags';
import type { CommandContext, CommandResult } from '../context';
import { OperatorInputError } from '../failure';
import { readJsonFile } from '../read-json-file';
import { accountsResult } from './results';

export async function eventCommand(ctx: CommandContext): Promise<CommandResult> {
  const file = ctx.args.positionals[0]!;
  const raw = readJsonFile(file, 'an EventBridge event', ctx.io.readStdin ?? (() => readFileSync(0, 'utf8')));
  const c = classifyEvent(raw);
  if (c.kind === 'ignored') return { exitCode: 0, data: { ignored: c.why }, text: `ignored: ${c.why}` };
  if (c.kind === 'invalid')
    throw new OperatorInputError('InvalidEvent', `${file === '-' ? 'standard input' : file}: ${c.reason}`);
  const report = await convergeAccount(ctx.deps(), c.request.accountId, {
    dryRun: flag(ctx.args, 'dry-run'),
    reason: c.request.reason,
  });
  return accountsResult([report]);
}
