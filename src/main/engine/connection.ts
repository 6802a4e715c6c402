import type Database from 'better-sqlite3';

/**
 * Page size of every database Postcard creates (SQLite's default is 4 KiB). The engine's rows
 * are written in runs along its tables and indexes, and with 16 KiB pages each batch touches a
 * quarter as many pages, B-trees are shallower and the WAL carries fewer frames:
 * bench:engine at 300k contacts, three alternating rounds each, 4 / 8 / 16 KiB:
 * 15.7 / 15.0 / 14.4 s CPU, 18.1 / 17.0 / 16.4 s wall. Only a new file takes it; an existing
 * database keeps the page size it was made with.
 */
export const NEW_DATABASE_PAGE_SIZE = 16_384;

/** Before anything is written to a new database file (a no-op on one that has content). */
export function setNewDatabasePageSize(sqlite: Database.Database): void {
  sqlite.pragma(`page_size = ${NEW_DATABASE_PAGE_SIZE}`);
}

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
