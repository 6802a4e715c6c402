/**
 * A runner sending through a Twilio, Vonage or Telnyx account (the loopback fake) in a process of its own, for the
 * crash test: the parent kills it with SIGKILL at random moments and starts it again until every
 * message is settled. Real time, since the fake stamps messages with the wall clock.
 */
import { seededRandom } from '../../src/shared/engine/random';
import { systemClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { openSandbox } from '../../src/main/engine/sandbox';
import type { SendingAccounts } from '../../src/main/engine/sending/accounts';
import { createProviderAdapter } from '../../src/main/providers/index';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { ProviderSecrets } from '../../src/main/providers/account';
import { fakeCredentials, type FakeProviderKind } from '../support/fakeProviders';

const [file, accountId, baseUrl, providerArg = 'twilio', mpsArg = '400'] = process.argv.slice(2);
if (!file || !accountId || !baseUrl) throw new Error('usage: sendCrashWorker <db> <account id> <fake base url> [twilio|vonage|telnyx] [mps]');
const provider = providerArg as FakeProviderKind;
const secrets = { provider, ...fakeCredentials[provider] } as ProviderSecrets;
const sqlite = openSandbox({ file });
sqlite.pragma('busy_timeout = 10000');
const mps = Number(mpsArg);
// The fake lists a message as soon as it has read the request; the few seconds cover a request
// still in the fake's socket buffer when a killed runner's successor asks (a real provider's lag
// is the adapter's default).
const accounts: SendingAccounts = {
  resolve: (id) =>
    id === accountId
      ? {
          adapter: createProviderAdapter(
            { id, provider, from: '+15550001111', channels: ['sms'], mps, dailyCap: null, baseUrl, timeoutMs: 1_500, listSettleMs: 4_000 },
            secrets,
          ),
          limits: { mps, dailyCap: null },
        }
      : { unavailable: 'no such account' },
  mediaUrls: () => null,
};
const runtime = new EngineRuntime({
  sqlite, clock: systemClock, random: seededRandom(process.pid), provider: new SimulatorProvider(sqlite), installId: 'sendcrash',
  // Each restart is the same runner coming back: it takes its lease straight back.
  runnerId: 'send-crash', accounts, batchSize: 100, maxAttempts: 50,
});
const open = sqlite.prepare(
  `SELECT (SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')) + (SELECT count(*) FROM events WHERE processed_at IS NULL)
        + (SELECT count(*) FROM enrollments WHERE state != 'exited')`,
).pluck();
process.stdout.write('ready\n');
for (;;) {
  await runtime.tick();
  if ((open.get() as number) === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
sqlite.close();
process.stdout.write('done\n');
