import { loadConfig } from '../lib/config';
import { buildDeps } from '../lib/wiring';
import type { World } from '../sim/world';
import { createAccountResult } from './events';

export interface StepIo {
  step: (title: string) => void;
  say: (line: string) => void;
  check: (what: string, ok: boolean) => void;
}

const MORE = ['333344445555', '333344446666', '333344447777'];

/**
 * The offboarding guard in the story: an operator points SCOPE_OU_IDS at the wrong OU, which would offboard every
 * protected account at once. The reconcile offboards none, says which and why, and exits 3.
 */
export async function massOffboardingHeld(w: World, ous: { workloads: string; sandbox: string }, io: StepIo) {
  io.step('9. SCOPE_OU_IDS is changed to the wrong OU by mistake: the offboarding guard holds every account');
  for (const id of MORE) {
    w.org.createAccount({ id, name: `team-${id.slice(-4)}`, parentId: ous.workloads });
    w.iam.addAccount(id);
    await w.deliverEvent(createAccountResult(id));
  }
  await w.drain();
  const before = { entries: w.veeam.state.list().length, iam: w.iam.writes().length, veeam: w.veeam.state.writes() };
  const protectedAccounts = new Set(w.veeam.state.list().map((e) => e.accountId)).size;
  io.say(`           ${protectedAccounts} accounts protected; now: reconcile with SCOPE_OU_IDS=${ous.sandbox} (wrong)`);

  const { runCli } = await import('../bin/cli');
  const wrong = buildDeps({ config: loadConfig({ ...process.env, SCOPE_OU_IDS: ous.sandbox }), purpose: 'cli' });
  let message = '';
  const code = await runCli(
    ['reconcile'],
    {
      out: (t) =>
        (message += t
          .split('\n')
          .filter((l) => /held|^ {2}\d/.test(l))
          .join(' ')),
      err: () => undefined,
    },
    wrong,
  );
  io.say(`           CLI: ${message}`);
  io.check(`the reconcile offboarded none of the ${protectedAccounts} accounts and exited 3`, code === 3);
  io.check(
    'nothing was removed or written, in Veeam or in IAM',
    w.veeam.state.list().length === before.entries &&
      w.iam.writes().length === before.iam &&
      w.veeam.state.writes() === before.veeam,
  );
  io.check('the message names the setting and the one-time confirmation', /--allow-offboard \d+/.test(message));
}
