import type { Command } from 'commander';
import type { ApiResult } from '../../shared/api/result';
import type { Postcard } from '../app';
import { resolveDataDir } from '../paths';

/** A problem the user can fix; printed as one line on stderr, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function dataDirOf(command: Command): string {
  const { dataDir } = command.optsWithGlobals<{ dataDir?: string }>();
  return resolveDataDir(dataDir);
}

/** Opens Postcard for one command and always closes it again. */
export async function withPostcard<T>(command: Command, work: (postcard: Postcard) => Promise<T>): Promise<T> {
  // Loaded here, not at start: `postcard --help` should not load SQLite and sharp.
  const { openPostcard } = await import('../app');
  const postcard = await openPostcard({ dataDir: dataDirOf(command) });
  try {
    return await work(postcard);
  } finally {
    postcard.close();
  }
}

/** Calls through the same dispatch as the app; an error result becomes a CliError. */
export async function call<T>(postcard: Postcard, method: string, input: unknown): Promise<T> {
  const result = (await postcard.dispatch(method, input, { transport: 'cli' })) as ApiResult<T>;
  if (!result.ok) throw new CliError(result.error.message);
  return result.value;
}
