import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderAdapter } from '../../src/main/providers/index';
import { seededRandom } from '../../src/shared/engine/random';
import { FakeProviders, fakeCredentials } from '../support/fakeProviders';

// Twilio takes no idempotency key. A sender killed with SIGKILL mid-send, at random moments,
// against a fake Twilio that is slow to answer (it creates the message, then answers 50 ms
// later, even to a caller that has died): each claim without a recorded result is reconciled
// through the adapter (list messages to the number since the claim) before anything is resent,
// as the engine's drain does with a row found in `sending`.
// Afterwards the fake has received every message exactly once.

const COUNT = 300;
const worker = join(import.meta.dirname, 'providerCrashWorker.ts');
const dir = mkdtempSync(join(tmpdir(), 'postcard-provider-crash-'));
let fake: FakeProviders;

beforeAll(async () => {
  fake = await FakeProviders.start({ latencyMs: 50 });
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(journal: string, killAfterMs: number | null): Promise<'done' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, fake.url, journal, String(COUNT)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Killed a while after it has started sending (its first claim), not during its start-up.
    const sizeAtStart = existsSync(journal) ? readFileSync(journal).length : 0;
    let timer: NodeJS.Timeout | null = null;
    const poll = killAfterMs === null ? null : setInterval(() => {
      if (timer === null && existsSync(journal) && readFileSync(journal).length > sizeAtStart) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }, 5);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('done');
      else reject(new Error(`worker failed (${code}): ${stderr.slice(0, 2000)}`));
    });
  });
}

describe('crash safety without idempotency keys', () => {
  it('killed at random moments and restarted, every message reaches the provider exactly once', async () => {
    const journal = join(dir, 'journal.txt');
    const adapter = createProviderAdapter(
      { id: 'crash', provider: 'twilio', from: '+15550001111', channels: ['sms'], mps: 100, dailyCap: null, baseUrl: fake.url, timeoutMs: 5_000 },
      { provider: 'twilio', ...fakeCredentials.twilio },
    );
    const random = seededRandom(42);
    let kills = 0;
    let reconciledSent = 0;
    let resent = 0;
    for (let round = 0; ; round++) {
      const outcome = await run(journal, round < 6 ? 50 + Math.floor(random.next() * 600) : null);
      if (outcome === 'killed') kills++;
      // Let what the fake had already received settle (it answers 50 ms late).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const claims = new Map<number, number>();
      const finished = new Set<number>();
      for (const line of readFileSync(journal, 'utf8').split('\n')) {
        const [kind, index, value] = line.split(' ');
        if (kind === 'claim') claims.set(Number(index), Number(value));
        if (kind === 'sent' || kind === 'reconciled') finished.add(Number(index));
      }
      for (const [index, claimedAt] of claims) {
        if (finished.has(index)) continue;
        const answer = await adapter.reconcile({
          idempotencyKey: `crash-${index}`,
          to: `+1555${String(2_000_000 + index).padStart(7, '0')}`,
          channel: 'sms',
          body: `Crash-safe message ${index}`,
          claimedAt,
          // Later than Twilio's list needs to show a message (the fake lists at once).
          now: claimedAt + 10 * 60_000,
        });
        // What the drain does with the answer: found -> sent under that id; certainly absent -> send again.
        if (answer.outcome === 'sent') {
          reconciledSent++;
          appendFileSync(journal, `reconciled ${index} ${answer.providerMessageId}\n`);
        } else if (answer.outcome === 'not_sent') {
          resent++;
        } else {
          throw new Error(`message ${index}: cannot tell (${answer.reason})`);
        }
      }
      if (outcome === 'done') break;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    // Kills landed mid-batch: claims the provider had were recorded, the others resent.
    expect(reconciledSent).toBeGreaterThan(0);
    expect(resent).toBeGreaterThan(0);
    const bodies = fake.messages.map((m) => m.body);
    expect(bodies).toHaveLength(COUNT);
    expect(new Set(bodies).size).toBe(COUNT);
  });
});
