import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { PostcardEvent } from '../api/events';
import { realSleep, systemClock } from './clock';
import { tuneForEngine } from './connection';
import { Scheduler } from './scheduler';
import { createRunnerAccounts } from '../accounts/runnerAccounts';
import { handedSecretStore, type HandedSecrets } from '../accounts/runnerSecrets';
import { EngineService } from './service';
import { sendingStateReporter } from '../accounts/sendingStates';

/**
 * The live scheduler's thread (see workerHost.ts for the side that starts it). It owns a
 * connection of its own to the same database file: WAL lets the main thread read and write
 * between the scheduler's batch transactions, and busy_timeout makes either side wait out the
 * other's write lock instead of failing. The main thread's changes reach the scheduler through
 * the database (flow status, contacts, events, enrollments are read afresh every tick) plus a
 * `wake` message so they are acted on now rather than at the next poll.
 */
export interface WorkerConfig {
  /** Marks a thread started by workerHost.ts, so importing this module anywhere else runs nothing. */
  role: 'postcard-scheduler';
  /** The database file the main thread opened and migrated. */
  file: string;
  /** An Electron-ABI better-sqlite3 addon, as the main thread got it. */
  nativeBinding?: string;
  pollMs?: number;
  /**
   * The credentials come from the starting thread (see workerHost's `secrets`): the thread waits
   * for the first handover before it ticks, so it never finds an account without them.
   */
  isHandedSecrets?: boolean;
}

export type ToWorker = { type: 'wake' } | { type: 'stop' } | { type: 'secrets'; values: HandedSecrets };

export type FromWorker =
  | { type: 'ready' }
  /** Credentials handed over were taken; the next tick reads the accounts with them. */
  | { type: 'secretsApplied' }
  | { type: 'event'; event: PostcardEvent }
  | { type: 'error'; message: string }
  /** The tick in flight has finished and the database is closed; the thread ends next. */
  | { type: 'stopped' };

/** The same settings as the main connection (db/open.ts) and the engine's bulk tuning; no migrations (the main thread ran them). */
export function openWorkerConnection(config: WorkerConfig): Database.Database {
  const sqlite = new Database(config.file, { fileMustExist: true, ...(config.nativeBinding ? { nativeBinding: config.nativeBinding } : {}) });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    tuneForEngine(sqlite);
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

function runWorker(port: MessagePort, config: WorkerConfig): void {
  const post = (message: FromWorker): void => port.postMessage(message);
  const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));
  const sqlite = openWorkerConnection(config);
  // The accounts this thread sends through, with their credentials: handed over by the thread
  // that started it (the app's main process unseals them), else the secret store of plain Node.
  const handed = config.isHandedSecrets ? handedSecretStore() : null;
  const sending = createRunnerAccounts(sqlite, { now: () => systemClock.now(), ...(handed ? { secrets: handed.store } : {}) });
  const engine = new EngineService({
    sqlite,
    accounts: sending.accounts,
    // The same id for every thread this process starts: one restarted after a crash takes the lease straight back.
    runnerId: `scheduler-thread:${process.pid}`,
    onCountsChanged: (flowIds) => post({ type: 'event', event: { type: 'engine.countsChanged', flowIds } }),
  });
  // Where each account stands (breaker, rate, cap) lives here; the app hears when it changes.
  const reportSendingStates = sendingStateReporter(() => engine.runtime.accountStates(), () => systemClock.now(), (event) => post({ type: 'event', event }));
  const scheduler = new Scheduler({
    runtime: engine.runtime,
    clock: systemClock,
    sleep: realSleep,
    pollMs: config.pollMs,
    beforeTick: sending.beforeTick,
    onTick: () => reportSendingStates(),
    onError: (error) => post({ type: 'error', message: describe(error) }),
  });
  let isStopping = false;
  let isStarted = false;
  let handovers: Promise<void> = Promise.resolve();
  const begin = (): void => {
    if (isStarted || isStopping) return;
    isStarted = true;
    scheduler.start();
    post({ type: 'ready' });
  };
  port.on('message', (message: ToWorker) => {
    if (message.type === 'secrets') {
      // The accounts are read again before the main thread hears back, so what it writes next (an
      // enrollment) meets the new credentials, even in a tick already under way. One handover at
      // a time, in the order they came.
      handovers = handovers.then(async () => {
        handed?.replace(message.values);
        await sending.refreshNow().catch((error: unknown) => post({ type: 'error', message: describe(error) }));
        post({ type: 'secretsApplied' });
        if (isStarted) scheduler.wake();
        else begin();
      });
      return;
    }
    if (message.type === 'wake') {
      scheduler.wake();
      return;
    }
    if (isStopping) return;
    isStopping = true;
    void scheduler
      .stop()
      .catch((error: unknown) => post({ type: 'error', message: describe(error) }))
      .finally(() => {
        sqlite.close();
        post({ type: 'stopped' });
        port.close();
      });
  });
  if (!handed) begin();
}

const config = workerData as Partial<WorkerConfig> | null;
if (!isMainThread && parentPort && config?.role === 'postcard-scheduler') runWorker(parentPort, config as WorkerConfig);
