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

/** One line, with its leading newline when it follows earlier lines. */
export function trailLine(at: number, nodeIds: readonly string[], note: string): string {
  return `${at}\t${nodeIds.map(clean).join(' ')}\t${clean(note)}`;
}

export function parseTrail(trail: string): TrailLine[] {
  const lines: TrailLine[] = [];
  for (const line of trail.split('\n')) {
    const [at, path, ...note] = line.split('\t');
    const ts = Number(at);
    // A trail cut to its newest lines may start mid-line; that fragment is skipped.
    if (!at || !Number.isFinite(ts) || path === undefined) continue;
    lines.push({ at: ts, nodeIds: path.split(' ').filter(Boolean), note: note.join(' ') });
  }
  return lines;
}
