import { ConcurrentChangeError } from '../roles/errors';
import { externalIdFingerprint } from '../external-id';
import { logger } from '../log';
import type { RoleBlueprint } from '../roles/types';
import { entryFingerprint, entryName, findEntry } from '../registration';
import { accountEntries, type AccountContext } from './account-context';

/** Re-decisions in place before the request is left to the queue's retry. */
const MAX_ATTEMPTS = 4;

/**
 * Runs one role's read-decide-write and, when another writer got in between (ConcurrentChangeError: nothing was
 * written), backs off with jitter, re-reads the account's Veeam entries and decides again from what is there now:
 * typically the other writer's rotation, which is then resumed rather than raced. `attempt` is 0 the first time.
 */
export async function decideAgainOnConcurrentChange<T>(
  ctx: AccountContext,
  bp: RoleBlueprint,
  run: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(attempt);
    } catch (err) {
      if (!(err instanceof ConcurrentChangeError) || attempt + 1 >= MAX_ATTEMPTS) throw err;
      logger.info('another writer changed the role; deciding again', {
        accountId: ctx.accountId,
        roleName: bp.roleName,
        attempt: attempt + 1,
      });
      await ctx.deps.sleep(5 + Math.floor(Math.random() * 20 * (attempt + 1)));
      ctx.entries = await accountEntries(ctx.deps, ctx.veeam, ctx.accountId);
    }
  }
}

/**
 * The compare before a trust write: the ID the appliance holds right now (read from Veeam, not from the listing
 * the decision used) must be among the IDs the new trust accepts, or be the one the decision was made from
 * (`decidedFingerprint`: a trust edited by hand away from Veeam's ID, which the decision repairs by pushing the trust's
 * ID next); otherwise another writer pushed an ID since, and writing would leave Veeam with an ID the trust rejects.
 */
export async function assertVeeamHoldsOneOf(
  ctx: AccountContext,
  bp: RoleBlueprint,
  ids: string[],
  decidedFingerprint?: string,
): Promise<void> {
  if (!bp.register) return;
  const listed = await ctx.veeam.listEntries({ searchPattern: entryName(ctx.accountId, bp.key) });
  const found = findEntry(listed, ctx.accountId, bp);
  if (!found?.owned) return;
  const fp = entryFingerprint(found.entry);
  if (fp && fp !== decidedFingerprint && !ids.some((id) => externalIdFingerprint(id) === fp))
    throw new ConcurrentChangeError(
      `Veeam's entry for ${bp.roleName} in ${ctx.accountId} now holds an ID the new trust would not accept (another writer); deciding again`,
    );
}

/** The compare before a Veeam write: the trust, read now, must accept the ID about to be pushed. */
export async function assertTrustAccepts(ctx: AccountContext, bp: RoleBlueprint, id: string): Promise<void> {
  const fresh = await ctx.roles.read(bp);
  if (!fresh.trustExternalIds.includes(id))
    throw new ConcurrentChangeError(
      `the trust of ${bp.roleName} in ${ctx.accountId} no longer accepts the ID about to be pushed (another writer); deciding again`,
    );
}
