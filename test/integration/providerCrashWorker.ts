/**
 * A sender as a separate process for the provider crash test: for each message not yet done in
 * the journal, it writes "claim" before calling Twilio (through the real adapter; a batch of 20
 * at a time, as the drain claims) and "sent" with the sid after, ten calls in flight. The parent kills it with SIGKILL at random moments,
 * reconciles the claims without a "sent", and starts it again.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createProviderAdapter } from '../../src/main/providers/index';
import { fakeCredentials } from '../support/fakeProviders';

const [baseUrl, journal, countArg] = process.argv.slice(2);
if (!baseUrl || !journal || !countArg) throw new Error('usage: providerCrashWorker <baseUrl> <journal> <count>');
const journalFile: string = journal;
const done = new Set<number>();
if (existsSync(journal)) {
  for (const line of readFileSync(journal, 'utf8').split('\n')) {
    const [kind, index] = line.split(' ');
    if (kind === 'sent' || kind === 'reconciled') done.add(Number(index));
  }
}
const adapter = createProviderAdapter(
  { id: 'crash', provider: 'twilio', from: '+15550001111', channels: ['sms'], mps: 100, dailyCap: null, baseUrl, timeoutMs: 5_000 },
  { provider: 'twilio', ...fakeCredentials.twilio },
);
const todo = Array.from({ length: Number(countArg) }, (_, i) => i).filter((i) => !done.has(i));
// Like the drain: a batch is claimed (all of it written down) before its calls are made.
for (let start = 0; start < todo.length; start += 20) {
  const batch = todo.slice(start, start + 20);
  appendFileSync(journalFile, batch.map((index) => `claim ${index} ${Date.now()}\n`).join(''));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batch.length) {
      const index = batch[next++] as number;
      const result = await adapter.send({ idempotencyKey: `crash-${index}`, to: `+1555${String(2_000_000 + index).padStart(7, '0')}`, channel: 'sms', body: `Crash-safe message ${index}`, subject: null, mediaRef: null, now: Date.now() });
      if (!result.ok) throw new Error(`send ${index} failed: ${result.code} ${result.message}`);
      appendFileSync(journalFile, `sent ${index} ${result.providerMessageId}\n`);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}
