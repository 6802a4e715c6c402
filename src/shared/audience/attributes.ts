import { parseDay } from './dates';
import type { AttributeType } from './segment';

/**
 * Typing contact attributes as they arrive as text (a CSV column): what a new column is, and a
 * value stored as its type says it should be (numbers as JSON numbers, lists as arrays), so
 * segment rules compare numbers as numbers and dates as days.
 */

// No leading zeros: a ZIP code or an account number such as 02134 stays text.
const isNumber = (text: string): boolean => /^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(text.trim());

/** A column whose every filled value is a number is a number, every one a day a date, else text. */
export function inferAttributeType(values: readonly string[]): AttributeType {
  const filled = values.map((v) => v.trim()).filter((v) => v !== '');
  if (filled.length === 0) return 'text';
  if (filled.every(isNumber)) return 'number';
  if (filled.every((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && parseDay(v) !== null)) return 'date';
  return 'text';
}

/** The stored value of `raw` for an attribute of `type`, or a message naming what is wrong. */
export function convertAttribute(name: string, type: AttributeType, raw: string): { value: unknown } | { error: string } {
  const text = raw.trim();
  switch (type) {
    case 'number':
      return isNumber(text) ? { value: Number(text) } : { error: `${name} "${text.slice(0, 40)}" is not a number` };
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) && parseDay(text) !== null
        ? { value: text }
        : { error: `${name} "${text.slice(0, 40)}" is not a date (expected YYYY-MM-DD)` };
    case 'list':
      return { value: text.split(/[;|]/).map((item) => item.trim()).filter((item) => item !== '') };
    case 'text':
      return { value: text };
  }
}
