/**
 * An enrollment's trail: the timeline's "step" entries, kept as text on the enrollment row the
 * runtime updates anyway (one line per run: `at<TAB>node ids<TAB>note`). A table with a row per
 * run cost an insert and an index entry per step; appending to the row costs neither.
 */

export interface TrailLine {
  at: number;
  nodeIds: string[];
  note: string;
}

/** Trails past this many characters keep their newest lines (a contact looping for months). */
export const MAX_TRAIL_CHARS = 16_384;

const clean = (text: string): string => text.replace(/[\t\n\r]/g, ' ');

/** One line; the runtime stores each with a leading newline, so an intact trail starts with one. */
export function trailLine(at: number, nodeIds: readonly string[], note: string): string {
  return `${at}\t${nodeIds.map(clean).join(' ')}\t${clean(note)}`;
}

export function parseTrail(trail: string): TrailLine[] {
  const lines: TrailLine[] = [];
  const segments = trail.split('\n');
  // A trail cut to its newest lines (MAX_TRAIL_CHARS) starts mid-line: that fragment is dropped.
  if (!trail.startsWith('\n')) segments.shift();
  for (const line of segments) {
    const [at, path, ...note] = line.split('\t');
    const ts = Number(at);
    if (!at || !Number.isFinite(ts) || path === undefined) continue;
    lines.push({ at: ts, nodeIds: path.split(' ').filter(Boolean), note: note.join(' ') });
  }
  return lines;
}
