import type Database from 'better-sqlite3';

/**
 * Connection settings for a database the engine writes to in bulk. Callers open it in WAL mode
 * with synchronous = NORMAL: under WAL that syncs at checkpoints instead of at every commit. A
 * process crash (the crash test's SIGKILL) loses nothing committed; an OS crash or power cut
 * may lose the last few commits but never corrupts the file, and anything lost is redone with
 * the same idempotency keys (sends marked `sending` are re-sent, the provider deduplicates).
 */
export function tuneForEngine(sqlite: Database.Database): void {
  // 64 MiB of page cache: a batch's rows, its indexes' hot pages and the due-work indexes stay
  // in memory between statements (the default is 2 MiB). Bounded, so RSS does not grow with N.
  sqlite.pragma('cache_size = -65536');
  // Checkpoint every ~32 MiB of WAL rather than ~4 MiB: a page rewritten by several batches in
  // a row is copied back into the database once.
  sqlite.pragma('wal_autocheckpoint = 8192');
}
