import Database from 'better-sqlite3';
import type { RuntimeContext } from './context';
import { LeaseLostError, type RunnerLease } from './lease';

/**
 * One batch = one transaction. IMMEDIATE takes the write lock up front, so another process
 * (the CLI beside the app) waits on busy_timeout instead of failing half-way on a lock upgrade,
 * and the enrollment ids reserved inside stay ours until commit. A tick's transactions are
 * fenced by the runner lease, checked inside the transaction. If anything throws, nothing of
 * the batch is kept: SQLite rolls back, and the buffered counters are dropped too.
 */
export class Transactions {
  constructor(
    private readonly context: RuntimeContext,
    private readonly lease: RunnerLease,
  ) {}

  /**
   * `isFenced: false` is for recording what already happened outside the database (a provider
   * answered a send) after the lease may have been lost: the writes are conditional on the
   * row's state, so a successor that got there first is never overwritten, and the truth about
   * a message that left is not thrown away.
   */
  run<T>(work: () => T, { isFenced = true } = {}): T {
    const context = this.context;
    const transaction = context.sqlite.transaction(() => {
      context.resetTransactionScratch();
      if (isFenced && context.isTicking) this.lease.fence(context.clock.now());
      const result = work();
      context.counters.flush(context.statements);
      return result;
    });
    try {
      return transaction.immediate();
    } catch (error) {
      context.counters.discard(context.statements);
      throw error;
    } finally {
      context.resetTransactionScratch();
    }
  }

  /**
   * Reads a batch and applies it in one transaction (the read inside it, so what is applied is
   * what the database holds at that moment, not what it held before the write lock was taken).
   * Should `apply` throw, SQLite rolls the batch back and each row is tried again in a
   * transaction of its own, re-read by `reread`; a row that throws alone (a poison row: data
   * the code did not expect, a bug in a provider adapter) is reported and set aside by
   * `quarantine`, and the rest go on. One bad row never stalls everything queued behind it.
   * Faults of the database itself (busy, I/O, disk full) and a lost lease are not about a row:
   * they end the tick, and the next tick (or the next holder) tries again.
   * Returns how many rows were read and what the committed transactions returned.
   */
  batch<T, R>(
    read: () => readonly T[],
    apply: (rows: readonly T[]) => R[],
    quarantine: (row: T) => void,
    reread: (row: T) => T | undefined,
  ): { count: number; results: R[] } {
    let rows: readonly T[] = [];
    try {
      const results = this.run(() => {
        rows = read();
        return rows.length === 0 ? [] : apply(rows);
      });
      return { count: rows.length, results };
    } catch (error) {
      // Reported below, by the row that throws again on its own.
      if (isDatabaseFault(error) || error instanceof LeaseLostError || rows.length === 0) throw error;
    }
    const results: R[] = [];
    for (const row of rows) {
      try {
        results.push(
          ...this.run(() => {
            const fresh = reread(row);
            return fresh === undefined ? [] : apply([fresh]);
          }),
        );
      } catch (error) {
        if (isDatabaseFault(error) || error instanceof LeaseLostError) throw error;
        this.context.reportError(error);
        this.run(() => quarantine(row));
      }
    }
    return { count: rows.length, results };
  }
}

/** SQLite errors that say the database cannot be written right now, whatever the row. */
const DATABASE_FAULT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|NOMEM|READONLY|CANTOPEN|CORRUPT|NOTADB|INTERRUPT|PROTOCOL|PERM|AUTH)/;
export function isDatabaseFault(error: unknown): boolean {
  return error instanceof Database.SqliteError && DATABASE_FAULT.test(error.code);
}

/** Another connection holds the write lock past busy_timeout: wait and try again, never crash. */
export function isDatabaseBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(error.code);
}
