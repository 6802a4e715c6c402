import type { ImportProblem } from '../../../shared/api/engine';

/**
 * Splitting a large intake file into parts the API takes in one call each (the browser mode's
 * host refuses bodies over 8 MiB). A part ends at the end of a record, never inside one: for a
 * CSV that means outside quotes (a quoted field may hold line breaks), and every part repeats
 * the header row. Each part says how many records came before it, so the line numbers the
 * server reports per part can be given back as lines of the whole file.
 */
export interface IntakePart {
  text: string;
  /** Records of the file before this part's first record (the offset for its problem lines). */
  recordsBefore: number;
}

/** The record boundaries of a CSV text: offsets just past each line break outside quotes. */
function csvRecordEnds(text: string): number[] {
  const ends: number[] = [];
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A doubled quote inside a quoted field toggles twice: in quotes it stays.
    if (c === 34 /* " */) inQuotes = !inQuotes;
    else if (c === 10 /* \n */ && !inQuotes) ends.push(i + 1);
  }
  if (ends.at(-1) !== text.length) ends.push(text.length);
  return ends;
}

function lineEnds(text: string): number[] {
  const ends: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) ends.push(i + 1);
  if (ends.at(-1) !== text.length) ends.push(text.length);
  return ends;
}

const isBlank = (record: string): boolean => record.replace(/[\r\n]/g, '') === '';

function split(text: string, ends: number[], maxChars: number, header: string): IntakePart[] {
  const parts: IntakePart[] = [];
  let start = header.length;
  let records = 0;
  let partStart = start;
  let partRecords = 0;
  for (const end of ends) {
    if (end <= start) continue;
    // This record would take the part past the limit: close the part before it.
    if (end - partStart + header.length > maxChars && partStart < start) {
      parts.push({ text: header + text.slice(partStart, start), recordsBefore: records - partRecords });
      partStart = start;
      partRecords = 0;
    }
    if (!isBlank(text.slice(start, end))) {
      records++;
      partRecords++;
    }
    start = end;
  }
  if (start > partStart || parts.length === 0) parts.push({ text: header + text.slice(partStart, start), recordsBefore: records - partRecords });
  return parts;
}

/** A CSV in parts of at most about `maxChars` (a single record longer than that stays whole). */
export function splitCsv(text: string, maxChars: number): IntakePart[] {
  if (text.length <= maxChars) return [{ text, recordsBefore: 0 }];
  const ends = csvRecordEnds(text);
  return split(text, ends, maxChars, text.slice(0, ends[0] ?? text.length));
}

/** NDJSON in parts of whole lines; a line's number is its line in the file. */
export function splitNdjson(text: string, maxChars: number): IntakePart[] {
  if (text.length <= maxChars) return [{ text, recordsBefore: 0 }];
  const parts: IntakePart[] = [];
  let partStart = 0;
  let linesBefore = 0;
  let lines = 0;
  let previousEnd = 0;
  for (const end of lineEnds(text)) {
    if (end - partStart > maxChars && previousEnd > partStart) {
      parts.push({ text: text.slice(partStart, previousEnd), recordsBefore: linesBefore });
      partStart = previousEnd;
      linesBefore = lines;
    }
    lines++;
    previousEnd = end;
  }
  parts.push({ text: text.slice(partStart), recordsBefore: linesBefore });
  return parts;
}

/** Problems of one part as lines of the whole file; the first `max` overall are kept. */
export function shiftProblems(problems: readonly ImportProblem[], recordsBefore: number, kept: ImportProblem[], max = 100): void {
  for (const problem of problems) if (kept.length < max) kept.push({ ...problem, line: problem.line + recordsBefore });
}

/** Records of a CSV text after its header row (blank lines do not count): the total a progress bar fills to. */
export function countCsvRecords(text: string): number {
  let start = 0;
  let records = -1;
  for (const end of csvRecordEnds(text)) {
    if (!isBlank(text.slice(start, end))) records++;
    start = end;
  }
  return Math.max(0, records);
}
