/** Names the file and the cause, e.g. a file that is not a database, or a read-only disk. */
export class DatabaseOpenError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`the database ${file} cannot be opened (${reason})`);
    this.name = 'DatabaseOpenError';
  }
}
