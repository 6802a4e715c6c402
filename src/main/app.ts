import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiResult } from '../shared/api/result';
import type { CallMeta } from './api/context';
import { createDispatch } from './api/dispatch';
import { createEventBus, type EventBus } from './api/events';
import { handlers } from './api/handlers';
import { openDatabase, type PostcardDb, type SqliteDatabase } from './db/open';
import { appRoot } from './paths';
import { createServices, type Services } from './services';
import { seedSamples } from './services/samples';

export interface OpenPostcardOptions {
  dataDir: string;
  /** Import the shipped sample flows the first time a database sees them (default true). */
  seedSamples?: boolean;
  /** An Electron-ABI better-sqlite3 addon; plain Node uses the one in node_modules. */
  nativeBinding?: string;
  /** Defaults to the app's own root (holds drizzle/ and resources/). */
  rootDir?: string;
  logError?: (method: string, error: unknown) => void;
}

export interface Postcard {
  dataDir: string;
  db: PostcardDb;
  sqlite: SqliteDatabase;
  services: Services;
  events: EventBus;
  dispatch(method: string, input: unknown, meta?: CallMeta): Promise<ApiResult<unknown>>;
  close(): void;
}

/** The composition root: opens storage, runs migrations, wires services, handlers and events. */
export async function openPostcard(options: OpenPostcardOptions): Promise<Postcard> {
  const root = options.rootDir ?? appRoot();
  const { db, sqlite } = openDatabase({
    dataDir: options.dataDir,
    migrationsFolder: join(root, 'drizzle'),
    nativeBinding: options.nativeBinding,
  });
  const events = createEventBus((error) => console.error('[postcard] event listener failed:', error));
  const services = createServices({ db, events });
  if (options.seedSamples ?? true) {
    seedSamples({ db, flows: services.flows, samplesDir: join(root, 'resources', 'flows') });
  }
  const dispatch = createDispatch({
    handlers,
    context: { services, events, db, sqlite, dataDir: options.dataDir, appVersion: readAppVersion(root) },
    logError: options.logError,
  });
  let isClosed = false;
  return {
    dataDir: options.dataDir,
    db,
    sqlite,
    services,
    events,
    dispatch,
    close() {
      if (isClosed) return;
      isClosed = true;
      sqlite.close();
    },
  };
}

function readAppVersion(root: string): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // A missing package.json only costs the version label.
  }
  return '0.0.0';
}
