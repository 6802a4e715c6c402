/**
 * A first look at untrusted JSON before any schema or migration touches it: keys that can
 * reach an object's prototype are refused outright, and absurd nesting or size is refused
 * before it can exhaust the stack or memory of a later recursive pass.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_VALUES = 1_000_000;

/** Returns a description of the first problem ("key "__proto__" at graph.nodes[0]"), or null. */
export function findHostileKey(root: unknown): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  let seen = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (++seen > MAX_JSON_VALUES) return `it holds more than ${MAX_JSON_VALUES.toLocaleString('en-US')} values`;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) return `it is nested more than ${MAX_JSON_DEPTH} levels deep${path ? ` at ${path}` : ''}`;
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return `the key "${key}" is not allowed (at ${at})`;
      stack.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}
