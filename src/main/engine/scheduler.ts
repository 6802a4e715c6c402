import type { Clock } from './clock';
import type { EngineRuntime, TickReport } from './runtime';

/**
 * Drives the runtime in real time: tick, then sleep until the next timer (or `pollMs`, to see
 * events and contacts another process wrote), again. Timers live in SQLite, so a restarted
 * scheduler simply resumes: whatever fell due while it was down runs on the first tick.
 */
export interface SchedulerOptions {
  runtime: EngineRuntime;
  clock: Clock;
  /** Resolves after `ms` or when aborted; injected so the engine never owns a timer. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  pollMs?: number;
  onTick?: (report: TickReport) => void;
  onError?: (error: unknown) => void;
  /** Before each tick (e.g. re-read sending accounts and their credentials); a failure is reported, the tick still runs. */
  beforeTick?: () => Promise<void>;
}

export class Scheduler {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** Aborts the current sleep only; replaced every round. */
  private napController: AbortController | null = null;
  private isWakeRequested = false;

  constructor(private readonly options: SchedulerOptions) {}

  get isRunning(): boolean {
    return this.controller !== null;
  }

  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = this.run(controller.signal);
  }

  /**
   * Tick now instead of at the end of the current sleep: new contacts, events or enrollments
   * were just written. A wake during a tick makes the next round skip its sleep.
   */
  wake(): void {
    this.isWakeRequested = true;
    this.napController?.abort();
  }

  async stop(): Promise<void> {
    const wasRunning = this.controller !== null;
    this.controller?.abort();
    this.controller = null;
    await this.loop;
    this.loop = null;
    if (wasRunning) {
      // Calls a drain left to finish on their own are recorded before the lease goes.
      await this.options.runtime.settleSends();
      this.options.runtime.releaseLease();
    }
  }

  /**
   * Tick until nothing is due within `horizonMs` from now, sleeping until the next due instant
   * in between (`postcard run --until-idle`).
   */
  async runUntilIdle(horizonMs: number, signal?: AbortSignal): Promise<number> {
    const { runtime, clock } = this.options;
    let ticks = 0;
    const never = new AbortController().signal;
    try {
      for (;;) {
        if (signal?.aborted) return ticks;
        await this.prepareTick();
        // Not `onTick?.(await tick())`: an optional call skips evaluating its argument, so no tick would run.
        const report = await runtime.tick();
        this.options.onTick?.(report);
        ticks++;
        const now = clock.now();
        if (report.heldBy) {
          // Another runner is working this database: wait for it to finish or its lease to lapse.
          await this.options.sleep(Math.max(1, Math.min(this.options.pollMs ?? 1_000, report.heldBy.until - now)), signal ?? never);
          continue;
        }
        if (report.busy || report.leaseLost) {
          // Another process holds the write lock (a long import), or the lease was just lost: wait, then look again.
          await this.options.sleep(this.options.pollMs ?? 1_000, signal ?? never);
          continue;
        }
        const next = runtime.nextDueAt();
        if (next === null || next > now + horizonMs) return ticks;
        if (next > now) await this.options.sleep(next - now, signal ?? never);
      }
    } finally {
      await runtime.settleSends();
      runtime.releaseLease();
    }
  }

  private async prepareTick(): Promise<void> {
    try {
      await this.options.beforeTick?.();
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { runtime, clock } = this.options;
    const pollMs = this.options.pollMs ?? 1_000;
    while (!signal.aborted) {
      let isHeld = false;
      try {
        await this.prepareTick();
        const report = await runtime.tick();
        isHeld = report.heldBy !== null || report.busy || report.leaseLost;
        this.options.onTick?.(report);
      } catch (error) {
        this.options.onError?.(error);
      }
      if (signal.aborted) return;
      const next = isHeld ? null : runtime.nextDueAt();
      const wait = next === null ? pollMs : Math.max(0, Math.min(pollMs, next - clock.now()));
      if (this.isWakeRequested) {
        this.isWakeRequested = false;
        continue;
      }
      const nap = new AbortController();
      this.napController = nap;
      await this.options.sleep(wait, AbortSignal.any([signal, nap.signal]));
      this.napController = null;
      this.isWakeRequested = false;
    }
  }
}

export { realSleep } from './clock';
