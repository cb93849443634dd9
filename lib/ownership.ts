/**
 * Who wrote an ownership mark (a role's `veeam-org-sync:managed` tag, a Veeam entry's marker), seen from one
 * installation. Two installations (two stages, two teams) can share an appliance and an organization: each reads,
 * repairs, rotates and offboards only what carries its own id. Marks written before installation ids existed are
 * `legacy`: adopted (stamped with the id) by an installation whose scope holds the account, and never offboarded by
 * anyone, because no installation can tell whether it wrote them.
 */
export type Owner =
  { kind: 'ours' } | { kind: 'legacy' } | { kind: 'other'; installationId: string } | { kind: 'none' };

/** `recorded`: the installation id the mark carries, '' for a mark without one, undefined for no mark at all. */
export function ownerOf(recorded: string | undefined, installationId: string): Owner {
  if (recorded === undefined) return { kind: 'none' };
  if (recorded === '') return { kind: 'legacy' };
  if (recorded === installationId) return { kind: 'ours' };
  return { kind: 'other', installationId: recorded };
}

/** In scope, this installation converges what it wrote and adopts what was written before installation ids. */
export function mayConverge(owner: Owner): boolean {
  return owner.kind === 'ours' || owner.kind === 'legacy';
}

/** Only what carries this installation's own id is ever removed. */
export function mayOffboard(owner: Owner): boolean {
  return owner.kind === 'ours';
}

/** For reports: why something was left alone. */
export function describeOwner(owner: Owner): string {
  switch (owner.kind) {
    case 'ours':
      return 'owned by this installation';
    case 'legacy':
      return 'written before installation ids (no id in its mark)';
    case 'other':
      return `owned by installation ${owner.installationId}`;
    case 'none':
      return 'not ours';
  }
}
