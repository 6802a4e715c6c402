/**
 * A runner in a process of its own for the crash test's pause case: real time, a short lease,
 * and its own runner id. It ticks until nothing is left to do, waiting while another runner
 * holds the database. The parent freezes it (SIGSTOP) for longer than the lease, lets a second
 * runner take over, then thaws it (SIGCONT).
 */
import { seededRandom } from '../../src/shared/engine/random';
import { systemClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { calmSimulator } from './engineHarness';

const [file, runnerId, leaseArg] = process.argv.slice(2);
if (!file || !runnerId || !leaseArg) throw new Error('usage: pauseWorker <db> <runner id> <lease ms>');
const sqlite = openSandbox({ file });
sqlite.pragma('busy_timeout = 20000');
const runtime = new EngineRuntime({
  sqlite,
  clock: systemClock,
  random: seededRandom(process.pid),
  provider: new SimulatorProvider(sqlite, calmSimulator()),
  installId: 'pause',
  runnerId,
  leaseMs: Number(leaseArg),
  batchSize: 25,
});
const unprocessed = sqlite.prepare('SELECT count(*) FROM events WHERE processed_at IS NULL').pluck();
let lost = 0;
for (;;) {
  const report = await runtime.tick();
  if (report.leaseLost) lost++;
  if (report.heldBy === null && !report.busy && (unprocessed.get() as number) === 0) break;
  await new Promise((resolve) => setTimeout(resolve, report.heldBy ? 50 : 2));
}
runtime.releaseLease();
sqlite.close();
process.stdout.write(JSON.stringify({ runnerId, lost }) + '\n');
