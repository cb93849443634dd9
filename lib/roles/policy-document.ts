/**
 * IAM policy documents as IAM returns and compares them. IAM hands documents back URL-encoded and rewrites them
 * (single values for one-element arrays, reordered keys), so everything here compares meaning, never text.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: string | Record<string, string | string[]>;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Accepts a document as IAM returns it (URL-encoded JSON string), a plain JSON string, or an object. */
export function decodePolicyDocument(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trimStart().startsWith('{') ? raw : safeDecode(raw);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A policy value as text; non-strings (numbers, booleans in conditions) keep their JSON form. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function asArray(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(text);
  return [text(v)];
}

/** Statements of a decoded document; one statement object counts as a list of one, as IAM allows. */
export function statementsOf(doc: unknown): Array<Record<string, unknown>> {
  if (!doc || typeof doc !== 'object') return [];
  const st = (doc as { Statement?: unknown }).Statement;
  const list = Array.isArray(st) ? st : st ? [st] : [];
  return list.filter((s): s is Record<string, unknown> => !!s && typeof s === 'object');
}

/** Size as IAM counts it against its quotas: whitespace does not count. */
export function policySize(doc: unknown): number {
  return JSON.stringify(doc).replace(/\s/g, '').length;
}

const sortUnique = (xs: string[]) => [...new Set(xs)].sort();

function normalizePrincipal(p: unknown): unknown {
  if (p === undefined) return undefined;
  if (typeof p === 'string') return p === '*' ? { AWS: ['*'] } : { AWS: [p] };
  if (!p || typeof p !== 'object') return p;
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) out[k] = sortUnique(asArray(v));
  return sortKeys(out);
}

function normalizeCondition(c: unknown): unknown {
  if (!c || typeof c !== 'object') return undefined;
  const out: Record<string, Record<string, string[]>> = {};
  for (const [op, block] of Object.entries(c as Record<string, unknown>)) {
    const inner: Record<string, string[]> = {};
    // Condition keys are case-insensitive in IAM; values are not.
    for (const [key, v] of Object.entries((block ?? {}) as Record<string, unknown>))
      inner[key.toLowerCase()] = sortUnique(asArray(v));
    out[op] = sortKeys(inner);
  }
  return sortKeys(out);
}

function sortKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** A statement reduced to what decides access: Sid is a label, array order and letter case of actions do not matter. */
function normalizeStatement(s: Record<string, unknown>): string {
  return JSON.stringify({
    Effect: s.Effect,
    Principal: normalizePrincipal(s.Principal),
    NotPrincipal: normalizePrincipal(s.NotPrincipal),
    Action: s.Action === undefined ? undefined : sortUnique(asArray(s.Action).map((a) => a.toLowerCase())),
    NotAction: s.NotAction === undefined ? undefined : sortUnique(asArray(s.NotAction).map((a) => a.toLowerCase())),
    Resource: s.Resource === undefined ? undefined : sortUnique(asArray(s.Resource)),
    NotResource: s.NotResource === undefined ? undefined : sortUnique(asArray(s.NotResource)),
    Condition: normalizeCondition(s.Condition),
  });
}

/** Same meaning: same set of (normalized) statements, whatever their order, Sids or formatting. */
export function policiesEquivalent(a: unknown, b: unknown): boolean {
  const na = sortUnique(statementsOf(a).map(normalizeStatement));
  const nb = sortUnique(statementsOf(b).map(normalizeStatement));
  return na.length === nb.length && na.every((s, i) => s === nb[i]);
}
