import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PostcardError, type ApiErrorCode } from '../../shared/api/result';
import type { FlowDocument } from '../../shared/flow/document';
import type { SimulationOptionsInput } from '../../shared/engine/simulation';
import type { SimulationResult } from '../../shared/engine/types';
import { simulateFlow, type ImportedContact } from './simulate';

/**
 * One dry-run in a thread of its own (simulationHost.ts starts it): the run is CPU-bound for
 * seconds to minutes and its templates come from users, so it must never hold the thread that
 * answers the window's and the browser's calls. Cancelling terminates the thread, which stops
 * it even inside one long step; its database is in memory and goes with it.
 */
export interface SimulationJob {
  role: 'postcard-simulation';
  document: FlowDocument;
  options: SimulationOptionsInput;
  importedContacts: ImportedContact[] | null;
  migrationsFolder?: string;
}

export type FromSimulation =
  | { type: 'progress'; fraction: number }
  | { type: 'done'; result: SimulationResult }
  | { type: 'failed'; code: ApiErrorCode; message: string; details?: unknown };

async function run(port: MessagePort, job: SimulationJob): Promise<void> {
  const post = (message: FromSimulation): void => port.postMessage(message);
  try {
    const result = await simulateFlow(job.document, job.options, {
      migrationsFolder: job.migrationsFolder,
      importedContacts: job.importedContacts ? () => job.importedContacts ?? [] : undefined,
      onProgress: (fraction) => post({ type: 'progress', fraction }),
    });
    post({ type: 'done', result });
  } catch (error) {
    if (error instanceof PostcardError) post({ type: 'failed', code: error.code, message: error.message, details: error.details });
    else post({ type: 'failed', code: 'INTERNAL', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

const job = workerData as Partial<SimulationJob> | null;
if (!isMainThread && parentPort && job?.role === 'postcard-simulation') void run(parentPort, job as SimulationJob);
