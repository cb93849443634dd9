import type { DesiredTrust, RoleBlueprint } from './types';
import {
  asArray,
  decodePolicyDocument,
  policiesEquivalent,
  statementsOf,
  type PolicyDocument,
} from './policy-document';

export const APPLIANCE_SID = 'VeeamAppliance';

/**
 * The trust we want: the appliance role, only with one of the accepted external IDs (several values under one
 * condition key are OR-ed, which is what makes a rotation seamless), plus the service principals the blueprint needs.
 */
export function trustDocument(
  trust: Pick<DesiredTrust, 'principalArn' | 'externalIds'>,
  trustServices: RoleBlueprint['trustServices'],
): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: APPLIANCE_SID,
        Effect: 'Allow',
        Principal: { AWS: trust.principalArn },
        Action: 'sts:AssumeRole',
        ...(trust.externalIds.length
          ? { Condition: { StringEquals: { 'sts:ExternalId': [...trust.externalIds] } } }
          : {}),
      },
      ...trustServices.map((service) => ({
        Sid: `Service${service
          .split('.')[0]!
          .replace(/[^A-Za-z0-9]/g, '')
          .replace(/^./, (c) => c.toUpperCase())}`,
        Effect: 'Allow' as const,
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
      })),
    ],
  };
}

function allowsAssumeRole(s: Record<string, unknown>): boolean {
  return (
    s.Effect === 'Allow' && asArray(s.Action).some((a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()))
  );
}

function awsPrincipals(s: Record<string, unknown>): string[] {
  const p = s.Principal;
  if (typeof p === 'string') return [p];
  if (!p || typeof p !== 'object') return [];
  return asArray((p as Record<string, unknown>).AWS);
}

/**
 * External IDs the trust accepts for `principalArn`, in document order. `raw` as IAM returns it (URL-encoded JSON) or
 * already decoded (a decoded document is used as it is). Only StringEquals on sts:ExternalId is read:
 * it is the form we write, and any other form is drift the next ensure() rewrites.
 */
export function acceptedExternalIds(raw: unknown, principalArn: string): string[] {
  const ids: string[] = [];
  for (const s of statementsOf(decodePolicyDocument(raw))) {
    if (!allowsAssumeRole(s) || !awsPrincipals(s).includes(principalArn)) continue;
    const cond = s.Condition as Record<string, Record<string, unknown>> | undefined;
    const eq = cond?.StringEquals ?? {};
    for (const [key, v] of Object.entries(eq)) if (key.toLowerCase() === 'sts:externalid') ids.push(...asArray(v));
  }
  return [...new Set(ids)];
}

/** Semantic comparison: IAM may return our document reformatted, with one-element arrays collapsed to strings. */
export function trustEquivalent(actual: unknown, desired: unknown): boolean {
  return policiesEquivalent(decodePolicyDocument(actual), decodePolicyDocument(desired));
}
