import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiResult } from '../shared/api/result';
import type { CallMeta } from './api/context';
import { createDispatch } from './api/dispatch';
import { createEventBus, type EventBus } from './api/events';
import { handlers } from './api/handlers';
import { engineFor } from './api/handlers/engine';
import { openDatabase, type PostcardDb, type SqliteDatabase } from './db/open';
import { realSleep, systemClock } from './engine/clock';
import { Scheduler } from './engine/scheduler';
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
  /**
   * Run the journey engine's live scheduler in this process (`postcard serve`, the desktop app).
   * Off by default so tests and one-shot CLI commands never leave timers behind.
   */
  startScheduler?: boolean;
}

/** The live scheduler as the composition root exposes it. */
export interface SchedulerControl {
  readonly isRunning: boolean;
  /** Never started, or its loop has fully ended (close() then closes the database at once). */
  readonly isStopped: boolean;
  start(): void;
  /** Resolves once an in-flight tick has finished; nothing is cut off halfway. */
  stop(): Promise<void>;
}

export interface Postcard {
  dataDir: string;
  db: PostcardDb;
  sqlite: SqliteDatabase;
  services: Services;
  events: EventBus;
  dispatch(method: string, input: unknown, meta?: CallMeta): Promise<ApiResult<unknown>>;
  scheduler: SchedulerControl;
  /**
   * Stops the scheduler and closes the database. When a tick is still running the database
   * closes as soon as it ends; await `scheduler.stop()` first to wait for that.
   */
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
  const scheduler = lazyScheduler(
    () =>
      new Scheduler({
        runtime: engineFor({ sqlite, events }).runtime,
        clock: systemClock,
        sleep: realSleep,
        onError: (error) => console.error('[postcard] scheduler tick failed:', error),
      }),
  );
  if (options.startScheduler) scheduler.start();
  let isClosed = false;
  return {
    dataDir: options.dataDir,
    db,
    sqlite,
    services,
    events,
    dispatch,
    scheduler,
    close() {
      if (isClosed) return;
      isClosed = true;
      if (scheduler.isStopped) {
        sqlite.close();
        return;
      }
      // A tick awaiting the provider must not find its database gone when it resumes.
      scheduler.stop().then(
        () => sqlite.close(),
        (error: unknown) => {
          console.error('[postcard] scheduler did not stop cleanly:', error);
          sqlite.close();
        },
      );
    },
  };
}

/** The engine (and its statements) is only built once someone starts the scheduler. */
function lazyScheduler(create: () => Scheduler): SchedulerControl {
  let scheduler: Scheduler | null = null;
  let isStopped = true;
  return {
    get isRunning() {
      return scheduler?.isRunning ?? false;
    },
    get isStopped() {
      return isStopped;
    },
    start() {
      scheduler ??= create();
      scheduler.start();
      isStopped = false;
    },
    async stop() {
      await scheduler?.stop();
      if (!scheduler?.isRunning) isStopped = true;
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
