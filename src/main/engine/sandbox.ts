import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { FlowDocument } from '../../shared/flow/document';
import { appRoot } from '../paths';
import { setNewDatabasePageSize, tuneForEngine } from './connection';

/**
 * A private database for a dry-run or a benchmark: the real migrations on an in-memory (or
 * temporary file) SQLite, so the real engine runs without ever touching live data.
 */
export function openSandbox(options: { file?: string; migrationsFolder?: string; nativeBinding?: string } = {}): Database.Database {
  // In the app, the Node build of the addon in node_modules cannot load: use the app's (Electron's) build.
  const sqlite = new Database(options.file ?? ':memory:', options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    setNewDatabasePageSize(sqlite);
    if (options.file) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    // Durable enough under WAL (see tuneForEngine); an in-memory sandbox ignores it.
    sqlite.pragma('synchronous = NORMAL');
    tuneForEngine(sqlite);
    migrate(drizzle(sqlite), { migrationsFolder: options.migrationsFolder ?? join(appRoot(), 'drizzle') });
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** Store a document as a live flow with one published version; returns the version id. */
export function installFlow(sqlite: Database.Database, flowId: string, document: FlowDocument, publishedAt: number): string {
  const versionId = `${flowId}-v1`;
  const stamp = new Date(publishedAt).toISOString();
  sqlite
    .prepare(
      `INSERT INTO flows (id, name, description, status, settings_json, draft_graph_json, draft_revision, published_revision, created_at, updated_at)
       VALUES (?, ?, ?, 'live', ?, ?, 1, 1, ?, ?)`,
    )
    .run(flowId, document.name, document.description, JSON.stringify(document.settings), JSON.stringify(document.graph), stamp, stamp);
  sqlite
    .prepare('INSERT INTO flow_versions (id, flow_id, version, document_json, published_at) VALUES (?, ?, 1, ?, ?)')
    .run(versionId, flowId, JSON.stringify(document), stamp);
  return versionId;
}
