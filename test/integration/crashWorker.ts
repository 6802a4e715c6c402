/**
 * The runtime as a separate process for the crash test: it resumes from whatever the database
 * holds (timers, outbox, the simulator's ledger, its own virtual clock) and runs until nothing
 * is due. The parent kills it with SIGKILL at random moments and starts it again.
 */
import { seededRandom } from '../../src/shared/engine/random';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { ProviderAdapter } from '../../src/main/providers/types';

const [file, startArg, untilArg] = process.argv.slice(2);
if (!file || !startArg || !untilArg) throw new Error('usage: crashWorker <db> <start> <until>');
const sqlite = openSandbox({ file });
const saved = sqlite.prepare(`SELECT value FROM engine_state WHERE key = 'crash_clock'`).pluck().get() as string | undefined;
const clock = new VirtualClock(saved ? Number(saved) : Number(startArg));
const until = Number(untilArg);
const provider = new SimulatorProvider(sqlite, {
  seed: 11,
  latencyMs: { min: 60_000, max: 3 * 3_600_000 },
  carriers: [
    { name: 'A', share: 0.7, deliveryRate: 0.97 },
    { name: 'B', share: 0.3, deliveryRate: 0.9 },
  ],
  mmsIncapableShare: 0.3,
  stopReplyRate: 0,
  transientErrorRate: 0.25,
});
// Every other start sends the HTTP way (claim, commit `sending`, call, record: the crash window
// the idempotency keys cover), the others in one transaction with the provider's ledger, so the
// kills land in both paths and each resumes what the other left.
const runs = Number(sqlite.prepare(`SELECT value FROM engine_state WHERE key = 'crash_runs'`).pluck().get() ?? 0);
sqlite.prepare(`INSERT INTO engine_state (key, value) VALUES ('crash_runs', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(String(runs + 1));
const adapter: ProviderAdapter =
  runs % 2 === 0 ? provider : Object.assign(Object.create(provider) as ProviderAdapter, { sendInTransaction: undefined });
const runtime = new EngineRuntime({
  sqlite,
  clock,
  random: seededRandom(process.pid),
  provider: adapter,
  installId: 'crash',
  // Each restart is the same runner coming back: it takes its lease straight back.
  runnerId: 'crash-runner',
  batchSize: 4,
  // A quarter of sends are refused as transient; with the default six attempts about one run in
  // fifteen would give up on a message for good, which is correct but not what this test is about.
  maxAttempts: 30,
});
const saveClock = sqlite.prepare(`INSERT INTO engine_state (key, value) VALUES ('crash_clock', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);

for (;;) {
  await runtime.tick();
  saveClock.run(String(clock.now()));
  const next = runtime.nextDueAt();
  if (next === null || next > until) break;
  clock.set(Math.max(next, clock.now() + 1));
  // Pause a moment between ticks: a kill can land between ticks as well as inside them, and
  // the run lasts long enough (whatever the machine's speed) for many kills to land mid-run.
  await new Promise((resolve) => setTimeout(resolve, 5));
}
sqlite.close();
process.stdout.write('done\n');
