import type { World } from '../sim/world';

interface StoryHooks {
  step(title: string): void;
  check(what: string, ok: boolean): void;
  say(line: string): void;
}

const RESCAN = 'POST /api/v1/accounts/amazon/{id}/rescan';

/**
 * A rotation verified by a rescan against the simulator as strict as the vendor's documentation (a required
 * body without an empty regionIds, a session that runs before it ends, a failed session when the role's trust
 * does not accept the ID the appliance holds). The appliance's view of IAM lags behind here, so the first push
 * lands too early: the rotation's own verification catches it, keeps both IDs trusted, and the worker's retry
 * finishes the rotation once IAM has caught up.
 */
export async function verifiedRotation(w: World, account: string, roleName: string, s: StoryHooks): Promise<void> {
  s.step(`7b. A rotation is verified by a Veeam rescan; a push the appliance cannot use yet is caught`);
  const role = w.iam.role(account, roleName)!;
  const entry = () => w.veeam.state.list().find((e) => e.accountId === account && e.roleName === roleName)!;
  const old = entry().externalId;
  const trustBefore = role.trust;
  let widened: string | undefined;
  const lag = (r: { method: string; path: string; status: number }) => {
    if (widened === undefined && r.method === 'PUT' && r.path.endsWith(entry().id) && r.status === 200) {
      widened = role.trust;
      role.trust = trustBefore;
      s.say(`             (simulated: the appliance does not see the widened trust of ${roleName} yet)`);
    }
  };
  const servedBefore = w.veeam.state.served.length;
  w.veeam.state.afterRequest.push(lag);
  await w.invokeRotate({ accountIds: [account], force: true });
  const first = await w.drain(1);
  w.veeam.state.afterRequest.splice(w.veeam.state.afterRequest.indexOf(lag), 1);
  s.check(
    `the rescan session failed, so the rotation did not narrow: the worker will retry with both IDs trusted`,
    first.failed === 1 && widened !== undefined && entry().externalId !== old,
  );

  if (widened) role.trust = widened;
  await w.drain();
  const rescans = w.veeam.state.served.slice(servedBefore).filter((x) => x.route === RESCAN);
  const polls = w.veeam.state.served.slice(servedBefore).filter((x) => x.route === 'GET /api/v1/sessions/{id}');
  s.check(
    `after IAM caught up the retry verified the pushed ID (${rescans.length} rescans, all 202; ${polls.length} session polls) and narrowed the trust to it`,
    rescans.length >= 2 &&
      rescans.every((x) => x.status === 202) &&
      polls.length > rescans.length &&
      w.iam.canAssume(account, roleName, w.env.VEEAM_PRINCIPAL_ARN!, entry().externalId) &&
      !w.iam.canAssume(account, roleName, w.env.VEEAM_PRINCIPAL_ARN!, old),
  );
}
