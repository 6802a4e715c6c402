import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { environmentSecretStore } from '../../src/main/secrets';
import type { AccountSendingStatesResult, SendingAccount } from '../../src/shared/api/accounts';
import type { ApiResult } from '../../src/shared/api/result';
import { FakeProviders, fakeCredentials } from '../support/fakeProviders';
import { publishSmsFlowOn } from '../support/liveFlow';

/**
 * A loopback Twilio that refuses the credentials of every call: the scheduler thread's breaker
 * opens, and `accounts.sendingStates` says so in words, with when it tries again; the change
 * is pushed as an event. An account nothing has sent through yet is "unknown", not "ok".
 */
let fake: FakeProviders;
let dir: string;
let postcard: Postcard;
beforeAll(async () => {
  fake = await FakeProviders.start();
  dir = mkdtempSync(join(tmpdir(), 'postcard-sending-states-'));
  postcard = await openPostcard({ dataDir: join(dir, 'data'), seedSamples: false, scheduler: 'worker', schedulerPollMs: 200, secretStore: environmentSecretStore({}) });
});
afterAll(async () => {
  await postcard.scheduler.stop();
  postcard.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call<T>(method: string, input: unknown): Promise<T> {
  const result = (await postcard.dispatch(method, input, { transport: 'cli' })) as ApiResult<T>;
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

describe('accounts.sendingStates', { timeout: 90_000 }, () => {
  it('says an account whose credentials are refused is paused, why, and until when; the change arrives as an event', async () => {
    const events: Array<{ type: string }> = [];
    postcard.events.subscribe((event) => events.push(event));
    fake.answerNext('twilio', { kind: 'unauthorized' }, 1_000);
    const account = await call<SendingAccount>('accounts.add', { provider: 'twilio', name: 'Refused', sender: '+14155550100', baseUrl: fake.url, secrets: fakeCredentials.twilio });
    const idle = await call<SendingAccount>('accounts.add', { provider: 'twilio', name: 'Idle', sender: '+14155550101', baseUrl: fake.url, secrets: fakeCredentials.twilio });
    const before = await call<AccountSendingStatesResult>('accounts.sendingStates', {});
    expect(before.accounts.find((a) => a.accountId === account.id)).toMatchObject({ kind: 'unknown', words: null });

    await call('contacts.import', { csv: 'phone,consent\n+12125550160,opted_in' });
    const flow = await publishSmsFlowOn(call, account.id, 'Welcome', 'Hello');
    await call('engine.enroll', { flowId: flow.id, phones: ['+12125550160'] });

    const deadline = Date.now() + 40_000;
    let states = before;
    while (Date.now() < deadline) {
      states = await call<AccountSendingStatesResult>('accounts.sendingStates', {});
      if (states.accounts.find((a) => a.accountId === account.id)?.kind !== 'unknown') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const refused = states.accounts.find((a) => a.accountId === account.id);
    expect(refused?.kind).toBe('paused:auth');
    expect(refused?.words).toMatch(/^Sending paused: .*credentials/);
    expect(refused?.words).toContain('20003');
    // Refused credentials hold the account for minutes, not a moment.
    expect(Date.parse(refused!.resumesAt!) - Date.now()).toBeGreaterThan(5 * 60_000);
    expect(states.accounts.find((a) => a.accountId === idle.id)?.kind).toBe('unknown');
    expect(events.some((event) => event.type === 'accounts.sendingChanged')).toBe(true);
    // Nothing was sent: the provider refused the one call, and the breaker stopped the rest.
    expect(fake.messages).toHaveLength(0);
  });

  it('refuses input it does not take', async () => {
    const result = await postcard.dispatch('accounts.sendingStates', { id: 'x' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('INVALID_INPUT');
  });
});
