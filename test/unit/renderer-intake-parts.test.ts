import { describe, expect, it } from 'vitest';
import { shiftProblems, splitCsv, splitNdjson } from '../../src/renderer/src/contacts/intakeParts';
import type { ImportProblem } from '../../src/shared/api/engine';

const header = 'phone,first_name,notes\n';
const rows = Array.from({ length: 40 }, (_, i) =>
  i % 7 === 3 ? `+1212555${String(1000 + i)},"Ann, ""the"" ${i}","line one\nline two"\n` : `+1212555${String(1000 + i)},Name ${i},plain\n`,
);
const csv = header + rows.slice(0, 20).join('') + '\n' + rows.slice(20).join('');

describe('large intake files in parts the API takes one call each', () => {
  it('cuts a CSV only between records (never inside quotes), repeats the header, and counts the records before each part', () => {
    const parts = splitCsv(csv, 300);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.text.startsWith(header)).toBe(true);
      expect(part.text.length).toBeLessThanOrEqual(300 + 60);
      // Quotes balance in every part: no record was cut.
      expect((part.text.match(/"/g) ?? []).length % 2).toBe(0);
    }
    expect(parts.map((p) => p.text.slice(header.length)).join('')).toBe(csv.slice(header.length));
    // recordsBefore = the non-blank records in the parts before (the blank line is not a record).
    let seen = 0;
    for (const part of parts) {
      expect(part.recordsBefore).toBe(seen);
      seen += part.text.slice(header.length).split(/(?<=\n)(?=\+)/).filter((r) => r.trim() !== '').length;
    }
    expect(seen).toBe(40);
    expect(splitCsv(csv, 1_000_000)).toEqual([{ text: csv, recordsBefore: 0 }]);
  });

  it('cuts NDJSON between lines, counting every line before (blank ones too, as the server numbers them)', () => {
    const lines = Array.from({ length: 30 }, (_, i) => (i === 10 ? '' : JSON.stringify({ phone: `+1212555${1000 + i}`, name: 'signed_up' })));
    const text = `${lines.join('\n')}\n`;
    const parts = splitNdjson(text, 200);
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    for (const part of parts) expect(part.recordsBefore).toBe(text.slice(0, text.indexOf(part.text)).split('\n').length - 1);
  });

  it('gives problems back as lines of the whole file, keeping the first hundred', () => {
    const kept: ImportProblem[] = [];
    shiftProblems([{ line: 2, message: 'a' }], 0, kept);
    shiftProblems([{ line: 3, message: 'b' }], 18, kept);
    expect(kept).toEqual([
      { line: 2, message: 'a' },
      { line: 21, message: 'b' },
    ]);
    shiftProblems(Array.from({ length: 150 }, (_, i) => ({ line: i + 2, message: 'x' })), 0, kept);
    expect(kept).toHaveLength(100);
  });
});
