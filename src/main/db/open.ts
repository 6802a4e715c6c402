import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { syncAttributeIndexes } from '../audience/attributeIndexes';
import { setNewDatabasePageSize } from '../engine/connection';
import { appRoot } from '../paths';
import { makePrivateDir, makePrivateFile } from '../privateFiles';
import { DatabaseOpenError } from './errors';
import * as schema from './schema';

export { DatabaseOpenError };

export type PostcardDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  dataDir: string;
  /** Folder of drizzle-kit SQL migrations; defaults to the app's `drizzle/`. */
  migrationsFolder?: string;
  /**
   * A better-sqlite3 addon built for another ABI. The Electron shell passes its Electron build
   * here so node_modules keeps the Node build that tests and the CLI use.
   */
  nativeBinding?: string;
}

export const DATABASE_FILE = 'postcard.db';

export function openDatabase(options: OpenDatabaseOptions): { db: PostcardDb; sqlite: SqliteDatabase } {
  const file = join(options.dataDir, DATABASE_FILE);
  let sqlite: SqliteDatabase;
  try {
    makePrivateDir(options.dataDir);
    makePrivateFile(file);
    sqlite = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (error) {
    throw new DatabaseOpenError(file, error);
  }
  try {
    setNewDatabasePageSize(sqlite);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    // Another Postcard process (CLI next to the app) may hold the write lock for a moment.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: options.migrationsFolder ?? join(appRoot(), 'drizzle') });
    // Indexes that follow the data rather than the schema: one per declared contact attribute.
    syncAttributeIndexes(sqlite);
    return { db, sqlite };
  } catch (error) {
    sqlite.close();
    throw new DatabaseOpenError(file, error);
  }
}

