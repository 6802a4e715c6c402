import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostcard, type Postcard, type SchedulerMode } from '../../src/main/app';
import { startHost, type Host } from '../../src/main/http/host';
import { environmentSecretStore } from '../../src/main/secrets';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const rendererDir = join(repoRoot, 'out', 'renderer');

export interface RunningApp {
  postcard: Postcard;
  host: Host;
  dataDir: string;
  close(): Promise<void>;
}

/** The browser mode as a user gets it: a fresh data dir (with the samples) behind the real host. */
export async function startApp(options: { seedSamples?: boolean; scheduler?: SchedulerMode } = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'postcard-e2e-'));
  // Credentials typed in a test stay in this process: never in the keychain of the machine running it.
  const postcard = await openPostcard({ dataDir, seedSamples: options.seedSamples ?? true, secretStore: environmentSecretStore({}), scheduler: options.scheduler, schedulerPollMs: options.scheduler ? 200 : undefined });
  const host = await startHost({ postcard, rendererDir });
  return {
    postcard,
    host,
    dataDir,
    async close() {
      await host.close();
      await postcard.scheduler.stop();
      postcard.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
