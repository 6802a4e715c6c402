import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EventBus } from '../api/events';
import { realSleep, systemClock } from './clock';
import type { HandedSecrets } from '../accounts/runnerSecrets';
import type { FromWorker, ToWorker, WorkerConfig } from './worker';

/**
 * Runs the live scheduler in a worker thread (worker.ts) so a tick over thousands of
 * enrollments never holds up the thread that answers the window's API calls. Commands reach
 * it through the database (pause, resume and archive change the flow's status, which every
 * tick reads; enrollments, events and contacts are rows it finds) and `wake()` asks for a tick
 * now rather than at the next poll. Its change events are re-emitted on the main bus.
 */
export interface WorkerSchedulerOptions {
  file: string;
  events: EventBus;
  nativeBinding?: string;
  pollMs?: number;
  /** Defaults to the bundled `worker.js` beside the main bundle, or `worker.ts` when run from source. */
  entry?: string;
  onError?: (message: string) => void;
  /** First delay before a thread that died is started again; doubles per crash in a row, up to a minute. */
  restartDelayMs?: number;
  /**
   * Reads the credentials the thread sends with (in the app: unsealed with safeStorage, which a
   * worker thread cannot use). They go to the thread over its message port at each start and on
   * `refreshSecrets()`; never in workerData, argv or an error message.
   */
  secrets?: () => Promise<HandedSecrets>;
}

/** A thread that ran this long before it died counts as healthy again: the next restart is quick. */
const HEALTHY_AFTER_MS = 60_000;
const MAX_RESTART_DELAY_MS = 60_000;
/** How long a call that changed an account waits for the thread to take the new credentials. */
const SECRETS_ACK_MS = 30_000;

export class WorkerScheduler {
  private worker: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  private ready: Promise<void> = Promise.resolve();
  private isStopping = false;
  private restartWait: AbortController | null = null;
  /** Deaths in a row without a healthy run between them (sets the restart delay). */
  private crashes = 0;
  /** Threads started so far (1 = never restarted). */
  starts = 0;

  constructor(private readonly options: WorkerSchedulerOptions) {}

  get isRunning(): boolean {
    return this.worker !== null;
  }

  /** Resolves once the thread has opened its connection and started ticking. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  start(): void {
    if (this.worker) return;
    this.isStopping = false;
    this.clearRestart();
    const config: WorkerConfig = {
      role: 'postcard-scheduler',
      file: this.options.file,
      nativeBinding: this.options.nativeBinding,
      pollMs: this.options.pollMs,
      isHandedSecrets: this.options.secrets !== undefined,
    };
    const worker = spawnWorker(this.options.entry ?? workerEntry(), config);
    this.worker = worker;
    if (this.options.secrets) void this.handSecrets(worker);
    this.starts++;
    const startedAt = systemClock.now();
    const onError = this.options.onError ?? ((message: string) => console.error('[postcard] scheduler:', message));
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'secretsApplied') this.secretsApplied.shift()?.();
      else if (message.type === 'event') this.options.events.emit(message.event);
      else if (message.type === 'error') onError(message.message);
      else if (message.type === 'ready') markReady();
    });
    worker.on('error', (error) => onError(error.stack ?? error.message));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        markReady();
        for (const applied of this.secretsApplied.splice(0)) applied();
        resolve();
        // Not asked to stop: the thread died (an uncaught error, out of memory). Sends would
        // silently stop, so it is started again after a delay that grows while it keeps dying.
        if (!this.isStopping) this.scheduleRestart(code, systemClock.now() - startedAt, onError);
      }),
    );
  }

  private scheduleRestart(code: number, ranMs: number, onError: (message: string) => void): void {
    this.crashes = ranMs >= HEALTHY_AFTER_MS ? 1 : this.crashes + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, (this.options.restartDelayMs ?? 1_000) * 2 ** (this.crashes - 1));
    onError(`the scheduler thread ended unexpectedly (exit code ${code}); starting it again in ${delay < 1_000 ? `${delay} ms` : `${Math.round(delay / 100) / 10} s`}`);
    const wait = new AbortController();
    this.restartWait = wait;
    void realSleep(delay, wait.signal).then(() => {
      // stop() (or a start() by hand) in the meantime aborted the wait: nothing to do.
      if (wait.signal.aborted || this.isStopping) return;
      this.restartWait = null;
      this.start();
    });
  }

  private clearRestart(): void {
    this.restartWait?.abort();
    this.restartWait = null;
  }

  wake(): void {
    this.post({ type: 'wake' });
  }

  /** Accounts or credentials changed: hand the thread the current credentials again. */
  async refreshSecrets(): Promise<void> {
    if (this.worker && this.options.secrets) await this.handSecrets(this.worker);
  }

  private async handSecrets(worker: Worker): Promise<void> {
    const onError = this.options.onError ?? ((message: string) => console.error('[postcard] scheduler:', message));
    let values: HandedSecrets;
    try {
      values = (await this.options.secrets?.()) ?? {};
    } catch (error) {
      // Said without the error's own text, which a store might have filled with what it read.
      onError(`the sending accounts' credentials could not be read for the scheduler (${error instanceof Error ? error.name : 'error'}); it sends without them`);
      values = {};
    }
    if (this.worker !== worker) return;
    // Resolves once the thread has taken them (or has ended), at most a few seconds later.
    const applied = new Promise<void>((resolve) => this.secretsApplied.push(resolve));
    worker.postMessage({ type: 'secrets', values } satisfies ToWorker);
    const wait = new AbortController();
    await Promise.race([applied, realSleep(SECRETS_ACK_MS, wait.signal)]);
    wait.abort();
  }

  /** Waiting for the thread to confirm a handover, in order. */
  private readonly secretsApplied: Array<() => void> = [];

  /** The tick in flight finishes, the thread closes its database, then it ends. */
  async stop(): Promise<void> {
    this.isStopping = true;
    this.clearRestart();
    this.post({ type: 'stop' });
    await this.exited;
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }
}

/** A thread running `entry` (a bundled .js, or a .ts file when run from source) with `workerData`. */
export function spawnWorker(entry: string, workerData: unknown): Worker {
  if (!entry.endsWith('.ts')) return new Worker(entry, { workerData });
  // From source (tsx, vitest): `--import tsx` in a worker's execArgv does not reach its entry
  // module on Node 20, so a bootstrap registers tsx's loader in the thread, then imports it.
  const tsxApi = pathToFileURL(tsxEsmApi()).href;
  const boot = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(pathToFileURL(entry).href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData });
}

/**
 * The ES module build of tsx's API: a data: URL cannot resolve a bare specifier, and require's
 * resolution picks the CommonJS build, whose register() breaks in a thread, so the import
 * condition of the package's own exports map is read.
 */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const target = pkg.exports?.['./esm/api']?.import?.default;
  if (!target) throw new Error('tsx does not export an ES module API; the scheduler worker cannot run from source');
  return join(dirname(manifest), target);
}

/**
 * electron-vite bundles worker.ts as its own main-process entry, `out/main/worker.js`, next to
 * the bundle this module is part of; run from source, the entry is this folder's worker.ts.
 */
export function workerEntry(): string {
  return threadEntry('worker');
}

/** A thread entry of this folder by name: `<name>.ts` from source, the bundled `<name>.js` otherwise. */
export function threadEntry(name: string): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  const candidates = here.endsWith('.ts') ? [join(dir, `${name}.ts`)] : [join(dir, `${name}.js`), join(dir, 'engine', `${name}.js`)];
  return candidates.find((file) => existsSync(file)) ?? (candidates[0] as string);
}
