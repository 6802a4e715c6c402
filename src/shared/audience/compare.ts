import { unaryOperators, type ConditionOperator, type PropertyFilter } from '../graph/nodes';

/**
 * Compare an attribute or event property with a condition's value; numbers compare as numbers,
 * text case-insensitively. Branch conditions, event triggers and segment rules on event
 * properties all use this one function (the segment query calls it as a SQLite function), so a
 * property means the same thing wherever a marketer tests it.
 */
export function compare(actual: unknown, operator: ConditionOperator, expected: string): boolean {
  const isPresent = actual !== undefined && actual !== null && actual !== '';
  if (operator === 'exists') return isPresent;
  if (operator === 'not_exists') return !isPresent;
  if (unaryOperators.has(operator)) return false;
  if (!isPresent) return operator === 'not_equals';
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  const a = Number(text);
  const b = Number(expected);
  const isNumeric = text.trim() !== '' && expected.trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
  switch (operator) {
    case 'equals':
      return isNumeric ? a === b : text.trim().toLowerCase() === expected.trim().toLowerCase();
    case 'not_equals':
      return isNumeric ? a !== b : text.trim().toLowerCase() !== expected.trim().toLowerCase();
    case 'contains':
      return text.toLowerCase().includes(expected.toLowerCase());
    case 'greater_than':
      return isNumeric && a > b;
    case 'less_than':
      return isNumeric && a < b;
    default:
      return false;
  }
}

export function matchesFilters(properties: Record<string, unknown>, filters: readonly PropertyFilter[]): boolean {
  return filters.every((f) => compare(properties[f.property], f.operator, f.value));
}
