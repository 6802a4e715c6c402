import type Database from 'better-sqlite3';
import { PostcardError } from '../../shared/api/result';

/**
 * Large intake (a 500,000-row contacts file) is written in transactions of a few thousand
 * records, so the database's single writer is never held for seconds: between two chunks the
 * journey engine (its thread or another process) gets its turn, and so do this thread's other
 * calls (the loop is given back between chunks). Every record is written whole inside one
 * chunk, never split across two.
 *
 * A chunk that fails (the disk is full, the database stays locked) is rolled back whole and
 * nothing after it is tried; the chunks before it stay. The error names the first line not
 * stored and how many records went in, so the user knows what is in the database.
 */
export const INTAKE_CHUNK_RECORDS = 2_000;

export interface ChunkOptions {
  /** The file's line of the record at `index` (for the message when a chunk fails). */
  lineOf(index: number): number;
  /** Records written by the chunks committed so far, for the message: "1,999 contacts". */
  describeStored(): string;
  /** What to do about the rest, e.g. "import the file again: contacts already in are updated, not doubled". */
  advice: string;
  /** Called inside each chunk's transaction after its records (flush buffered counters). */
  beforeCommit?(): void;
  /** Called once a chunk is committed (take the counts that are now stored). */
  afterCommit?(): void;
  chunkSize?: number;
}

export async function writeInChunks<T>(sqlite: Database.Database, records: readonly T[], write: (record: T, index: number) => void, options: ChunkOptions): Promise<void> {
  const size = options.chunkSize ?? INTAKE_CHUNK_RECORDS;
  for (let start = 0; start < records.length; start += size) {
    const end = Math.min(records.length, start + size);
    try {
      sqlite.transaction(() => {
        for (let index = start; index < end; index++) write(records[index] as T, index);
        options.beforeCommit?.();
      })();
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      const code = typeof error === 'object' && error !== null && 'code' in error && /^SQLITE_(BUSY|LOCKED)/.test(String(error.code)) ? 'UNAVAILABLE' : 'INTERNAL';
      throw new PostcardError(
        code,
        `stopped at line ${options.lineOf(start).toLocaleString('en-US')} (${cause}); the lines before it are stored (${options.describeStored()}), nothing from that line on; ${options.advice}`,
      );
    }
    options.afterCommit?.();
    if (end < records.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
