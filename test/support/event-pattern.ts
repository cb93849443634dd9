/**
 * A small EventBridge pattern matcher for tests: exact values, `exists`, `prefix`, `anything-but` (exact values),
 * nested objects and `$or`. Enough to prove the rule patterns in events/patterns.yml let the fixtures through.
 */
type Pattern = { [key: string]: unknown };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchValue(matchers: unknown[], present: boolean, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => {
    if (isObject(m)) {
      if ('exists' in m) return m.exists === present;
      if (!present) return false;
      if ('prefix' in m) return values.some((v) => typeof v === 'string' && v.startsWith(String(m.prefix)));
      if ('anything-but' in m) {
        const excluded = Array.isArray(m['anything-but']) ? m['anything-but'] : [m['anything-but']];
        return values.every((v) => !excluded.includes(v));
      }
      throw new Error(`unsupported matcher ${JSON.stringify(m)}`);
    }
    return present && values.some((v) => v === m);
  });
}

export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  const target = isObject(event) ? event : {};
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Pattern[]).some((p) => matchesPattern(p, target));
    const present = key in target && target[key] !== undefined;
    const value = target[key];
    if (Array.isArray(expected)) return matchValue(expected, present, value);
    if (isObject(expected)) return isObject(value) && matchesPattern(expected, value);
    throw new Error(`pattern field ${key} must be an array or an object`);
  });
}
