import { PostcardError } from '../../shared/api/result';
import type { SimulationResult } from '../../shared/engine/types';
import type { FromSimulation, SimulationJob } from './simulationWorker';
import { spawnWorker, threadEntry } from './workerHost';

/**
 * Starts each dry-run in its own worker thread (simulationWorker.ts) and answers for it: the
 * result, its progress as it goes, and cancellation. A run given an id can be cancelled by it
 * (`engine.cancelSimulation`); cancelling terminates the thread at once, and so does the end
 * of the process (SIGTERM of `postcard serve`, quitting the app), since threads end with it.
 */
export interface SimulationRunOptions {
  /** Chosen by the caller, so it can cancel the run while it is under way. */
  runId?: string;
  onProgress?: (fraction: number) => void;
  /** The thread's entry; defaults to simulationWorker beside this module (or its bundle). */
  entry?: string;
}

const running = new Map<string, () => void>();

export function runSimulationThread(job: Omit<SimulationJob, 'role'>, options: SimulationRunOptions = {}): Promise<SimulationResult> {
  const { runId } = options;
  if (runId !== undefined && running.has(runId)) return Promise.reject(new PostcardError('CONFLICT', `a simulation with the id ${runId} is already running`));
  const worker = spawnWorker(options.entry ?? threadEntry('simulationWorker'), { role: 'postcard-simulation', ...job } satisfies SimulationJob);
  let isCancelled = false;
  const cancel = (): void => {
    isCancelled = true;
    void worker.terminate();
  };
  if (runId !== undefined) running.set(runId, cancel);
  return new Promise<SimulationResult>((resolve, reject) => {
    let outcome: FromSimulation | null = null;
    let crash: Error | null = null;
    worker.on('message', (message: FromSimulation) => {
      if (message.type === 'progress') options.onProgress?.(message.fraction);
      else {
        outcome = message;
        void worker.terminate();
      }
    });
    worker.on('error', (error) => (crash = error));
    worker.once('exit', (code) => {
      if (runId !== undefined && running.get(runId) === cancel) running.delete(runId);
      const done = outcome as FromSimulation | null;
      if (done?.type === 'done') resolve(done.result);
      else if (done?.type === 'failed') reject(new PostcardError(done.code, done.message, done.details));
      else if (isCancelled) reject(new PostcardError('CANCELLED', 'the simulation was cancelled'));
      else reject(new Error(`the simulation thread ended unexpectedly (exit code ${code})${crash ? `: ${(crash as Error).message}` : ''}`));
    });
  });
}

/** Cancels the run with this id; false when none is running (it had finished, or never started). */
export function cancelSimulation(runId: string): boolean {
  const cancel = running.get(runId);
  cancel?.();
  return cancel !== undefined;
}
