// A scheduler thread entry for engineWorker.test.ts: it dies with an uncaught error the first
// `crashes` times it starts against a database (counted in a file beside it), then runs the real
// scheduler thread. Set POSTCARD_TEST_WORKER_CRASHES in the test process (threads inherit it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const config = workerData as { file: string };
const counter = `${config.file}.test-crashes`;
const crashes = Number(process.env.POSTCARD_TEST_WORKER_CRASHES ?? '1');
const seen = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
if (seen < crashes) {
  writeFileSync(counter, String(seen + 1));
  throw new Error(`simulated scheduler crash ${seen + 1}`);
}
await import('../../src/main/engine/worker');
