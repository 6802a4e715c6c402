import { PostcardError } from '../../shared/api/result';
import { parseFlowDocument, type FlowDocument } from '../../shared/flow/document';

/**
 * One set of limits for everything Postcard takes from outside: contacts CSV, events NDJSON,
 * imported flow documents and the documents given to a simulation. Each is refused before any
 * schema, migration or recursive pass (JSON.stringify, a zod walk) can exhaust the stack or
 * memory, and each refusal names the limit. Intake refuses the one record (line) that breaks
 * one and keeps the rest of the file; a document is refused whole.
 */
export const INTAKE_LIMITS = {
  /** Objects and arrays inside one another (a flow document needs about 8). */
  maxDepth: 64,
  /** Values in one document or record. */
  maxValues: 1_000_000,
  /** Characters in one string: an attribute, a property, a message body (bodies stop at 4,000). */
  maxTextChars: 10_000,
  /** Characters in one NDJSON line. */
  maxLineChars: 1_000_000,
  /** Dates (event times, consent times) from 1970 up to, not including, 2100. */
  earliestDate: Date.UTC(1970, 0, 1),
  latestDate: Date.UTC(2100, 0, 1),
} as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const count = (n: number): string => n.toLocaleString('en-US');

/** The first problem with untrusted JSON ("the key "__proto__" is not allowed (at graph.nodes[0])"), or null. */
export function findHostileKey(root: unknown): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  let seen = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (++seen > INTAKE_LIMITS.maxValues) return `it holds more than ${count(INTAKE_LIMITS.maxValues)} values`;
    if (typeof value === 'string') {
      const problem = textProblem(path || 'a value', value);
      if (problem) return problem;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= INTAKE_LIMITS.maxDepth) return `it is nested more than ${INTAKE_LIMITS.maxDepth} levels deep${path ? ` at ${path}` : ''}`;
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return `the key "${key}" is not allowed (at ${at})`;
      if (key.length > INTAKE_LIMITS.maxTextChars) return `a key is ${count(key.length)} characters long (at most ${count(INTAKE_LIMITS.maxTextChars)})`;
      stack.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}

/** A string value over the text limit, named: `"bio" is 20,971,520 characters (at most 10,000)`. */
export function textProblem(name: string, value: string): string | null {
  if (value.length <= INTAKE_LIMITS.maxTextChars) return null;
  return `${name.length > 60 ? `${name.slice(0, 60)}…` : name} is ${count(value.length)} characters long (at most ${count(INTAKE_LIMITS.maxTextChars)})`;
}

/** A time (ms since 1970) outside the range Postcard keeps, named; null when it is fine. */
export function dateProblem(name: string, ms: number): string | null {
  if (!Number.isFinite(ms)) return `${name} is not a date`;
  if (ms < INTAKE_LIMITS.earliestDate || ms >= INTAKE_LIMITS.latestDate) return `${name} is outside 1970–2099`;
  return null;
}

/** A byte-order mark at the start of a file is an encoding marker, not text. */
export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * An untrusted flow document (an import, a simulation's input) checked against the limits,
 * then upgraded and validated. Throws DOCUMENT_INVALID (or the parse's own code) naming the problem.
 */
export function parseUntrustedDocument(document: unknown): FlowDocument {
  const hostile = findHostileKey(document);
  if (hostile) throw new PostcardError('DOCUMENT_INVALID', `the document was refused: ${hostile}`);
  const parsed = parseFlowDocument(document);
  if (!parsed.ok) throw new PostcardError(parsed.error.code, parsed.error.message);
  return parsed.document;
}
