import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { convergeAccount } from '../lib/account/converge-account';
import type { Deps } from '../lib/deps';
import { describeError, InvalidInputError } from '../lib/errors';
import { logger } from '../lib/log';
import { classifyEvent } from '../lib/events/classify';
import { reconcile, type ReconcileReport } from '../lib/organization/reconcile';
import { renderAccounts } from './render-accounts';
import type { AccountReport } from '../lib/account/account-report';
import { rotateAccount } from '../lib/account/rotate-account';
import { dueAccounts } from '../lib/organization/due-rotations';
import { mapLimit } from '../lib/util/map-limit';
import { buildDeps } from '../lib/wiring';

const USAGE = `Usage: veeam-org-sync <command> [options]   (same environment variables as the Lambdas; see README)

  event <file|->             process one EventBridge event as the Lambda would, converging in-process
  sync <accountId>           converge one account now
  status [--account ID]...   table per account: scope, roles, Veeam entries, external-ID age (makes no change)
  reconcile [--dry-run] [--account ID]... [--json] [--allow-offboard N]
                             converge every account in scope (or the named ones) with bounded concurrency;
                             --allow-offboard N confirms once up to N offboardings above OFFBOARD_MAX_PER_RUN
  rotate [--account ID]... [--force] [--propagation-wait SECONDS] [--dry-run]
                             rotate external IDs that are due (or --force), printing each phase
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Reads '-' (stdin) for `event -`. */
  readStdin?: () => string;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  readStdin: () => readFileSync(0, 'utf8'),
};

function exitCodeOf(reports: AccountReport[]): number {
  return reports.some((r) => r.action === 'error' || r.action === 'conflict') ? 1 : 0;
}

/**
 * Returns the process exit code: 0 all converged, 1 some account failed, 2 bad usage or configuration, 3 a reconcile
 * held back offboarding above OFFBOARD_MAX_PER_RUN.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo, injected?: Deps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      account: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'propagation-wait': { type: 'string' },
      'allow-offboard': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (!command || values.help) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  try {
    const deps = injected ?? buildDeps({ config: loadConfig(), purpose: 'cli' });
    const accountIds = values.account ?? [];
    const print = (reports: AccountReport[], extra?: ReconcileReport) => {
      io.out(values.json ? JSON.stringify(extra ?? reports, null, 2) : renderAccounts(reports));
      return exitCodeOf(reports);
    };

    switch (command) {
      case 'event': {
        if (!arg) throw new InvalidInputError('event needs a file name or - for standard input');
        const raw: unknown = JSON.parse(
          arg === '-' ? (io.readStdin ?? defaultIo.readStdin!)() : readFileSync(arg, 'utf8'),
        );
        const c = classifyEvent(raw);
        if (c.kind === 'ignored') {
          io.out(`ignored: ${c.why}`);
          return 0;
        }
        if (c.kind === 'invalid') throw new InvalidInputError(c.reason);
        return print([
          await convergeAccount(deps, c.request.accountId, { dryRun: values['dry-run'], reason: c.request.reason }),
        ]);
      }
      case 'sync':
        if (!arg) throw new InvalidInputError('sync needs an account id');
        return print([await convergeAccount(deps, arg, { dryRun: values['dry-run'], reason: 'manual' })]);
      case 'status':
      case 'reconcile': {
        const dryRun = command === 'status' || values['dry-run'];
        const allow = values['allow-offboard'];
        if (allow !== undefined && !/^\d+$/.test(allow))
          throw new InvalidInputError('--allow-offboard takes the number of accounts you confirm may be offboarded');
        const report = await reconcile(deps, {
          dryRun,
          mode: 'in-process',
          ...(accountIds.length ? { accountIds } : {}),
          ...(allow !== undefined ? { allowOffboard: Number(allow) } : {}),
        });
        const reports = report.accounts as AccountReport[];
        if (dryRun && !values.json && command === 'reconcile') io.out('Dry run: nothing was changed. Plan:');
        const code = print(reports, report);
        const guard = report.offboardGuard;
        if (command !== 'reconcile' || !guard?.held) return code;
        io.err(
          `Offboarding held: ${guard.wouldOffboard} accounts would be offboarded (${guard.accounts.join(', ')}), more than ${guard.limit} (OFFBOARD_MAX_PER_RUN). None was offboarded. Fix SCOPE_OU_IDS / EXCLUDED_ACCOUNT_IDS if this is a mistake, or confirm once with --allow-offboard ${guard.wouldOffboard}.`,
        );
        return 3;
      }
      case 'rotate': {
        if (values['propagation-wait'] !== undefined) {
          const s = Number(values['propagation-wait']);
          if (!Number.isInteger(s) || s < 0)
            throw new InvalidInputError('--propagation-wait takes a whole number of seconds');
          deps.config.propagationWaitSeconds = s;
        }
        const targets = accountIds.length
          ? accountIds
          : (await dueAccounts(deps, { force: values.force, limited: false })).due;
        const reports = await mapLimit(targets, deps.config.concurrency, (id) =>
          rotateAccount(deps, id, {
            force: values.force,
            dryRun: values['dry-run'],
            onPhase: (account, role, phase) =>
              io.out(`${new Date().toISOString()}  ${account}  ${role.padEnd(20)}  ${phase}`),
          }),
        );
        return print(reports);
      }
      default:
        io.err(`Unknown command "${command}".\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const e = describeError(err);
    io.err(`${e.code}: ${e.message}`);
    return e.code === 'ConfigError' || e.code === 'InvalidInput' ? 2 : 1;
  }
}

// Run when executed directly (tsx bin/cli.ts ...), not when imported by tests or the sandbox.
if (process.argv[1] && /bin[\\/]cli\.ts$/.test(process.argv[1])) {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The report is the output; structured logs would interleave with it unless asked for.
  if (!process.env.POWERTOOLS_LOG_LEVEL && !process.env.LOG_LEVEL) logger.setLogLevel('WARN');
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
