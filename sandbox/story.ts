import type { OrganizationsFake } from '../sim/aws/organizations-fake';
import { APPLIANCE_ROLE_ARN, startWorld, type World } from '../sim/world';
import { captureLogs } from './log-capture';
import { createAccountResult, createManagedAccount, moveAccount } from './events';
import { verifiedRotation } from './verified-rotation';
import { massOffboardingHeld } from './offboarding-guard';
import { checkDedicatedAccess } from './dedicated-access';
import { lifecycleEventLines, missingLifecycleEvents } from './lifecycle-events';
import { coverageReport, organizationModeAccount } from './coverage-and-organization';

export interface StoryResult {
  ok: boolean;
  problems: string[];
  /** Everything the service logged, for the secret scan. */
  logs: string;
  /** Secrets that must never appear in logs: password, tokens, external IDs. */
  secrets: string[];
  /** The lifecycle events the service put on its bus (JSON), for the same scan. */
  events: string;
  seconds: number;
}

const A = '444455556666'; // created through Organizations
const B = '777788889999'; // vended by Control Tower
const C = '222233334444'; // created while the appliance is down
const F = '888899990000'; // has a hand-made role of the same name: not ours

function describeLog(e: Record<string, unknown>): string | undefined {
  const acct = typeof e.accountId === 'string' ? e.accountId : '';
  switch (e.message) {
    case 'account request enqueued':
      return `intake   ${String(e.reason)} → queued a sync of ${acct}`;
    case 'account converged': {
      const changes = (e.changes as string[] | undefined) ?? [];
      return `${e.dryRun ? 'plan    ' : 'worker  '} ${acct} ${String(e.action)}${changes.length ? `: ${changes.join('; ')}` : ' (no change)'}`;
    }
    case 'account not in scope':
      return `worker   ${acct} is not in scope: ${String(e.reason)}`;
    case 'request will be retried':
      return `worker   will retry (receive ${String(e.receiveCount)}): ${String(e.reason)}`;
    case 'Veeam request failed on the network':
      return `veeam    ${String(e.method)} ${String(e.path)} failed on the network; backing off`;
    case 'account convergence failed':
      return undefined;
    case 'request sent to the worker DLQ':
      return `worker   parked in the DLQ: ${String(e.reason)}`;
    case 'rotation phase':
      return `rotate   ${acct} ${String(e.roleName)}: ${String(e.phase)}`;
    case 'rotations enqueued':
      return `rotate   enqueued ${String(e.enqueued)} rotation(s)`;
    case 'account not protected':
      return `worker   ${acct} is NOT protected (alarmed): ${String(e.reason)}`;
    case 'offboarding held':
      return `reconcile held back offboarding ${String(e.wouldOffboard)} accounts (limit ${String(e.limit)}): none offboarded`;
    case 'reconcile started':
      return `reconcile started (dryRun: ${String(e.dryRun)})`;
    default:
      return e.level === 'ERROR' || e.level === 'WARN'
        ? `${String(e.level).toLowerCase().padEnd(8)} ${String(e.message)}`
        : undefined;
  }
}

/** The main job, locally: one organization's life, through the real handlers, with checks after each step. */
export async function runStory(print?: (line: string) => void): Promise<StoryResult> {
  const started = Date.now();
  const problems: string[] = [];
  const t = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
  let world: World | undefined;
  let ouWorkloads = '';
  let ouSandbox = '';
  const say = (line: string) => (print ?? capture.print)(line);
  const capture = captureLogs((e) => {
    const line = describeLog(e);
    if (line) say(`${t()}   ${line}`);
  });
  const step = (title: string) => say(`\n${t()} ▶ ${title}`);
  const check = (what: string, ok: boolean) => {
    say(`${t()}   ${ok ? '✔' : '✘'} ${what}`);
    if (!ok) problems.push(what);
  };

  try {
    world = await startWorld({
      offboardMode: 'unregister',
      scopeOuIds: (org: OrganizationsFake) => {
        ouWorkloads = org.createOu(org.rootId, 'ou-ab12-11111111');
        ouSandbox = org.createOu(org.rootId, 'ou-ab12-22222222');
        return [ouWorkloads];
      },
      env: { POWERTOOLS_LOG_LEVEL: 'INFO' },
    });
    const w = world;
    const { logger } = await import('../lib/log');
    logger.setLogLevel('INFO');
    w.org.createAccount({ id: w.org.managementAccountId, name: 'management', parentId: w.org.rootId });
    say(
      `Veeam REST simulator at ${w.veeam.url} (self-signed; pinned by VEEAM_CERT_SHA256=${w.veeam.certSha256.slice(0, 16)}…)`,
    );
    say(
      `Secrets extension simulator on port ${w.ext.port}; organization ${w.org.rootId} with OUs Workloads (${ouWorkloads}, in scope) and Sandbox (${ouSandbox})`,
    );

    const protectedOk = (acct: string) => {
      const entries = w.veeam.state.list().filter((e) => e.accountId === acct);
      return (
        entries.length === 2 &&
        entries.every((e) => w.iam.canAssume(acct, e.roleName, APPLIANCE_ROLE_ARN, e.externalId))
      );
    };

    step('1. A new account is created in Workloads (CreateAccountResult)');
    w.org.createAccount({ id: A, name: 'app-prod', parentId: ouWorkloads });
    // The access role StackSet reaches the new account a moment later (after the first attempt to get in).
    w.iam.addAccount(A, { accessRoleAfterAttempts: 1 });
    const created = createAccountResult(A);
    await w.deliverEvent(created);
    await w.drain();
    check(`${A}: both roles exist and Veeam holds, for each, an external ID the trust accepts`, protectedOk(A));
    checkDedicatedAccess(w, A, check);

    step('2. The same CloudTrail event is delivered again');
    const before = { iam: w.iam.writes().length, veeam: w.veeam.state.writes() };
    await w.deliverEvent(created);
    const again = await w.drain();
    check('duplicate dropped by FIFO deduplication: nothing to process', again.delivered === 0);
    await w.invokeReconcile({ dryRun: false, accountIds: [A] });
    await w.drain();
    check(
      'a replay through reconcile converges with zero writes (IAM and Veeam)',
      w.iam.writes().length === before.iam && w.veeam.state.writes() === before.veeam,
    );

    step(
      '3. Control Tower vends an account (CreateManagedAccount); another team already has a same-named role elsewhere',
    );
    w.org.createAccount({ id: B, name: 'payments', parentId: ouWorkloads });
    w.iam.addAccount(B);
    await w.deliverEvent(createManagedAccount(B, ouWorkloads, 'payments'));
    w.org.createAccount({ id: F, name: 'legacy', parentId: ouWorkloads });
    w.iam.addAccount(F);
    w.iam.addRole(F, 'VeeamBackupRole');
    await w.drain();
    check(`${B}: protected`, protectedOk(B));

    step('4. Someone edits a role by hand and deletes a Veeam entry; the scheduled reconcile repairs both');
    const policyName = [...w.iam.role(A, 'VeeamBackupRole')!.inline.keys()][0]!;
    w.iam.role(A, 'VeeamBackupRole')!.inline.delete(policyName);
    const workerEntry = w.veeam.state.findByName(`${B}-worker`)!;
    w.veeam.state.entries.delete(workerEntry.id);
    await w.invokeReconcile({ dryRun: false });
    await w.drain();
    check(`${A}: policy ${policyName} restored`, w.iam.role(A, 'VeeamBackupRole')!.inline.has(policyName));
    check(`${B}: worker entry registered again`, protectedOk(B));
    check(
      `${F}: the role we do not own is left untouched and reported`,
      w.iam.role(F, 'VeeamBackupRole')?.tags.size === 0 && !w.veeam.state.findByName(`${F}-backup`),
    );

    step('5. The appliance is down while an account is created; the worker retries, then recovers');
    w.org.createAccount({ id: C, name: 'analytics', parentId: ouWorkloads });
    w.iam.addAccount(C);
    w.veeam.faults.setDown(true);
    await w.deliverEvent(createAccountResult(C));
    const down = await w.drain(1);
    check(
      'the request failed and stays queued for a retry (not lost, not in the DLQ yet)',
      down.failed === 1 && w.sqs.messages(w.env.ACCOUNT_QUEUE_URL!).length === 1,
    );
    w.veeam.faults.setDown(false);
    await w.drain();
    check(`${C}: protected after the appliance came back`, protectedOk(C));

    step('6. The account is moved out of scope (OFFBOARD_MODE=unregister), then back');
    w.org.moveAccount(B, ouSandbox);
    await w.deliverEvent(moveAccount(B, ouWorkloads, ouSandbox));
    await w.drain();
    check(
      `${B}: Veeam entries removed, roles kept`,
      w.veeam.state.list().every((e) => e.accountId !== B) && !!w.iam.role(B, 'VeeamBackupRole'),
    );
    w.org.moveAccount(B, ouWorkloads);
    await w.deliverEvent(moveAccount(B, ouSandbox, ouWorkloads));
    await w.drain();
    check(`${B}: protected again`, protectedOk(B));

    step('7. External IDs of an account are rotated with zero downtime');
    const oldIds = w.veeam.state
      .list()
      .filter((e) => e.accountId === A)
      .map((e) => e.externalId);
    let probes = 0;
    let outages = 0;
    const probe = setInterval(() => {
      probes++;
      if (!protectedOk(A)) outages++;
    }, 1);
    await w.invokeRotate({ accountIds: [A], force: true });
    await w.drain();
    clearInterval(probe);
    const newIds = w.veeam.state
      .list()
      .filter((e) => e.accountId === A)
      .map((e) => e.externalId);
    check(
      `${A}: new external IDs in Veeam, old ones no longer trusted`,
      newIds.every((id, i) => id !== oldIds[i]) &&
        oldIds.every((id) => !w.iam.canAssume(A, 'VeeamBackupRole', APPLIANCE_ROLE_ARN, id)),
    );
    check(
      `the appliance could assume the roles at every one of ${probes} probes during the rotation`,
      outages === 0 && protectedOk(A),
    );

    await verifiedRotation(w, B, 'VeeamBackupRole', { step, check, say });

    step('8. Final state');
    const { runCli } = await import('../bin/cli');
    let table = '';
    const code = await runCli(['status'], { out: (s) => (table = s), err: (s) => say(s) });
    say(table);
    check(
      'status reports a conflict only for the account with the foreign role',
      code === 1 && /888899990000\s+in scope\s.*conflict: needs a person/.test(table) && !/error/.test(table),
    );
    // The summary an operator reads last: totals, and every account that is not protected with its reason.
    check(
      'status ends with the totals and lists the one unprotected account with its reason',
      /Totals: 4 in scope, 3 protected, 1 not protected, 1 conflict, 0 rotations due/.test(table) &&
        /Not protected:\n {2}888899990000 {2}.*not ours/.test(table),
    );
    check(
      'Veeam holds entries only for accounts in scope',
      w.veeam.state.list().every((e) => [A, B, C, F].includes(e.accountId)),
    );

    await massOffboardingHeld(w, { workloads: ouWorkloads, sandbox: ouSandbox }, { step, say, check });
    step('10. Lifecycle events the service put on its bus (EVENT_BUS_NAME) for other automation');
    for (const line of lifecycleEventLines(w.eventBus.events)) say(`${t()}   ${line}`);
    const missing = missingLifecycleEvents(w.eventBus.events, [
      ['Account Protected', A],
      ['Account Protected', B],
      ['Account Protected', C],
      ['Account Protection Failed', F],
      ['Account Offboarded', B],
      ['External ID Rotated', A],
    ]);
    check(
      `one event per change of protection${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`,
      !missing.length,
    );
    await coverageReport(w, A, { step, say, check });
    await organizationModeAccount(w, ouWorkloads, { step, say, check });
  } catch (err) {
    problems.push(`the story crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    capture.restore();
  }
  const secrets = world
    ? [
        ...world.veeam.state.list().map((e) => e.externalId ?? ''),
        ...world.veeam.state.accessTokens.keys(),
        ...world.veeam.state.refreshTokens.keys(),
      ].filter((s) => s.length > 8)
    : [];
  const events = JSON.stringify(world?.eventBus.events ?? []);
  await world?.stop();
  return {
    ok: problems.length === 0,
    problems,
    logs: capture.text(),
    secrets,
    events,
    seconds: (Date.now() - started) / 1000,
  };
}
