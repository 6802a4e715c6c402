import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiResult } from '../shared/api/result';
import type { CallMeta } from './api/context';
import { createDispatch } from './api/dispatch';
import { createEventBus, type EventBus } from './api/events';
import { handlers } from './api/handlers';
import { engineFor } from './api/handlers/engine';
import { DATABASE_FILE, openDatabase, type PostcardDb, type SqliteDatabase } from './db/open';
import { realSleep, systemClock } from './engine/clock';
import { Scheduler } from './engine/scheduler';
import { WorkerScheduler } from './engine/workerHost';
import { collectRunnerSecrets } from './accounts/runnerSecrets';
import { appRoot } from './paths';
import { createServices, type Services } from './services';
import { createNodeSecretStore, lazySecretStore, type SecretStore } from './secrets';
import { createProviderAdapter } from './providers';
import type { AccountAdapterFactory } from './accounts/adapter';
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
   * Where the journey engine's live scheduler runs: `worker` in a thread of its own with its own
   * database connection (the desktop app: a large tick never delays the window's API calls),
   * `inline` on this thread (`postcard serve`), `off` (the default, so tests and one-shot CLI
   * commands never leave timers behind).
   */
  scheduler?: SchedulerMode;
  /** @deprecated Older spelling: `true` is `scheduler: 'inline'`. */
  startScheduler?: boolean;
  /** How often an idle scheduler looks for work written by another process (ms). */
  schedulerPollMs?: number;
  /**
   * Where sending accounts' and media hosting's credentials live. The Electron shell passes one
   * over safeStorage; the default is the OS keychain, or the environment where there is none.
   */
  secretStore?: SecretStore;
  /** Makes provider adapters for sending accounts (tests may point them elsewhere). */
  createAdapter?: AccountAdapterFactory;
}

export type SchedulerMode = 'worker' | 'inline' | 'off';

/** The live scheduler as the composition root exposes it. */
export interface SchedulerControl {
  readonly isRunning: boolean;
  /** Never started, or its loop has fully ended (close() then closes the database at once). */
  readonly isStopped: boolean;
  start(): void;
  /** Resolves once an in-flight tick has finished; nothing is cut off halfway. */
  stop(): Promise<void>;
  /** Tick now rather than at the next poll (after an enroll, an import, an ingest, a publish). */
  wake(): void;
  /** Hand a scheduler thread the sending accounts' credentials again (they changed). */
  refreshSecrets(): Promise<void>;
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
  const secrets = options.secretStore ?? lazySecretStore(() => createNodeSecretStore());
  const services = createServices({ db, events, secrets, createAdapter: options.createAdapter ?? createProviderAdapter });
  if (options.seedSamples ?? true) {
    seedSamples({ db, flows: services.flows, samplesDir: join(root, 'resources', 'flows') });
  }
  const dispatchCall = createDispatch({
    handlers,
    context: { services, events, db, sqlite, dataDir: options.dataDir, nativeBinding: options.nativeBinding, appVersion: readAppVersion(root) },
    logError: options.logError,
  });
  const mode: SchedulerMode = options.scheduler ?? (options.startScheduler ? 'inline' : 'off');
  const scheduler = lazyScheduler(() => {
    if (mode === 'worker') {
      // The install id is created here first, so the two connections never race to invent one.
      engineFor({ sqlite, events });
      // The thread sends with the credentials this process reads (safeStorage opens only here).
      return new WorkerScheduler({
        file: join(options.dataDir, DATABASE_FILE),
        events,
        nativeBinding: options.nativeBinding,
        pollMs: options.schedulerPollMs,
        secrets: () => collectRunnerSecrets(db, secrets),
      });
    }
    return new Scheduler({
      runtime: engineFor({ sqlite, events }).runtime,
      clock: systemClock,
      sleep: realSleep,
      pollMs: options.schedulerPollMs,
      onError: (error) => console.error('[postcard] scheduler tick failed:', error),
    });
  });
  if (mode !== 'off') scheduler.start();
  const dispatch = async (method: string, input: unknown, meta?: CallMeta): Promise<ApiResult<unknown>> => {
    const result = await dispatchCall(method, input, meta);
    if (result.ok && wakingMethods.has(method)) scheduler.wake();
    if (result.ok && credentialMethods.has(method)) await scheduler.refreshSecrets();
    return result;
  };
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

/** Calls that write what the scheduler acts on; without the wake it would see them at its next poll. */
const wakingMethods: ReadonlySet<string> = new Set(['contacts.import', 'events.ingest', 'engine.enroll', 'engine.resume', 'flows.publish', 'segments.enroll', 'contacts.bulk']);

/** Calls that change sending accounts or their credentials: a scheduler thread is handed them again. */
const credentialMethods: ReadonlySet<string> = new Set(['accounts.add', 'accounts.update', 'accounts.remove', 'hosting.set']);

interface SchedulerLike {
  readonly isRunning: boolean;
  start(): void;
  stop(): Promise<void>;
  wake(): void;
  refreshSecrets?(): Promise<void>;
}

/** The engine (and its statements, or its thread) is only built once someone starts the scheduler. */
function lazyScheduler(create: () => SchedulerLike): SchedulerControl {
  let scheduler: SchedulerLike | null = null;
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
    wake() {
      scheduler?.wake();
    },
    async refreshSecrets() {
      await scheduler?.refreshSecrets?.();
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
