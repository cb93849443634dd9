/**
 * A backup policy as coverage needs it, read from every form the vendor documents: 1.0-rev0 names its source role
 * as `amazonAccountId` (the entry id); later revisions take `identityId` in requests and answer with an `identity`
 * object ({id, type, awsId, name}); a policy over an AWS Organization carries `organizationSettings` (a limited
 * scope, excluded members). Pure.
 */
export type PolicySource =
  | { kind: 'role'; entryId: string; awsAccountId?: string }
  | {
      kind: 'organization';
      /** Named limited scope, or undefined for the whole organization (or the OU/root in `underIds`). */
      limitedScopeId?: string;
      /** OU, root or account ids the scope covers, when the policy says (an OU/root identity, or scope members). */
      underIds?: string[];
      /** Account, OU or root ids the policy leaves out (an OU excludes every account beneath it). */
      excluded: string[];
    }
  | { kind: 'unknown' };

export interface CoveragePolicy {
  id: string;
  name: string;
  workload: string;
  enabled: boolean;
  /** The last session's status as the appliance reports it (Succeeded, Warning, Failed, ...). */
  lastSessionStatus?: string;
  source: PolicySource;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const AWS_ORG_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/;

/** A member named as a string, or as an object with one of the id fields the forms use. */
function memberIds(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((m) => {
    if (typeof m === 'string') return [m];
    const o = obj(m);
    if (!o) return [];
    const id =
      str(o.awsId) ??
      str(o.awsAccountId) ??
      str(o.accountId) ??
      str(o.organizationalUnitId) ??
      str(o.ouId) ??
      str(o.id);
    return id ? [id] : [];
  });
}

function enabledOf(p: Json): boolean {
  if (typeof p.isEnabled === 'boolean') return p.isEnabled;
  if (typeof p.enabled === 'boolean') return p.enabled;
  const status = str(p.policyStatus) ?? str(p.status);
  if (status) return status.toLowerCase() === 'enabled';
  return false;
}

function sourceOf(p: Json): PolicySource {
  const identity = obj(p.identity);
  const org = obj(p.organizationSettings);
  const type = (str(identity?.type) ?? '').toLowerCase();
  const awsId = str(identity?.awsId);
  if (org || type.includes('organization') || (awsId && /^(r-|ou-)/.test(awsId))) {
    const scope = obj(org?.limitedScope);
    const members = [
      ...memberIds(org?.limitedScopeMembers),
      ...memberIds(scope?.members),
      ...memberIds(scope?.organizationalUnits),
    ];
    const underIds = [...(awsId && /^(r-|ou-)/.test(awsId) ? [awsId] : []), ...members].filter((id) =>
      AWS_ORG_ID.test(id),
    );
    const limitedScopeId = str(org?.limitedScopeId) ?? str(scope?.id);
    return {
      kind: 'organization',
      ...(limitedScopeId ? { limitedScopeId } : {}),
      ...(underIds.length ? { underIds } : {}),
      excluded: [...memberIds(org?.excludedMembers), ...memberIds(org?.excludeMembers)].filter((id) =>
        AWS_ORG_ID.test(id),
      ),
    };
  }
  const entryId = str(identity?.id) ?? str(p.identityId) ?? str(p.amazonAccountId);
  if (entryId) return { kind: 'role', entryId, ...(awsId && /^\d{12}$/.test(awsId) ? { awsAccountId: awsId } : {}) };
  return { kind: 'unknown' };
}

export function toCoveragePolicy(raw: unknown, workload: string): CoveragePolicy {
  const p = obj(raw) ?? {};
  const lastSessionStatus = str(p.lastPolicySessionStatus) ?? str(p.lastSessionStatus);
  return {
    id: str(p.id) ?? '',
    name: str(p.name) ?? '(unnamed policy)',
    workload,
    enabled: enabledOf(p),
    ...(lastSessionStatus ? { lastSessionStatus } : {}),
    source: sourceOf(p),
  };
}
