import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SendingAccount } from '../../src/shared/api/accounts';
import type { ApiResult } from '../../src/shared/api/result';
import { fakeCredentials, FakeProviders } from '../support/fakeProviders';
import { publishSmsFlowOn } from '../support/liveFlow';
import { openBrowser, screenshot, type OpenBrowser } from './browser';
import { startApp, type RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

/**
 * The app's own scheduler thread sends a live flow through an account pointed at a loopback
 * Twilio that refuses the credentials of every call. The engine's breaker stops calling it; the
 * flow (already open, without a reload) and Settings → Sending accounts say so in words.
 */
describe.skipIf(!chromiumPath)('an account whose calls keep failing is paused, and the app says so', { timeout: 120_000 }, () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  let fake: FakeProviders;
  beforeAll(async () => {
    fake = await FakeProviders.start();
    app = await startApp({ seedSamples: false, scheduler: 'worker' });
    browser = await openBrowser(chromiumPath as string);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await fake?.close();
  });

  async function call<T>(method: string, input: unknown): Promise<T> {
    const result = (await app.postcard.dispatch(method, input)) as ApiResult<T>;
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
    return result.value;
  }

  it('shows the pause on the flow and on the account, with the reason and when it tries again', async () => {
    const { page } = browser;
    fake.answerNext('twilio', { kind: 'unauthorized' }, 1_000);
    const account = await call<SendingAccount>('accounts.add', { provider: 'twilio', name: 'Main store', sender: '+14155550100', baseUrl: fake.url, secrets: fakeCredentials.twilio });
    await call('contacts.import', { csv: 'phone,consent\n+12125550160,opted_in\n+12125550161,opted_in' });
    const flow = await publishSmsFlowOn(call, account.id, 'Welcome series', 'Welcome!');

    await page.goto(app.host.url);
    await page.evaluate(`location.hash = '#/flows/${flow.id}'`);
    await page.getByRole('heading', { name: 'Welcome series' }).waitFor();
    expect(await page.getByTestId('sending-paused').count()).toBe(0);

    await call('engine.enroll', { flowId: flow.id, phones: ['+12125550160', '+12125550161'] });
    const banner = page.getByTestId('sending-paused');
    await banner.waitFor({ timeout: 40_000 });
    const text = await banner.innerText();
    expect(text).toMatch(/^Sending paused: Main store — /);
    expect(text).toContain('20003');
    expect(text).toMatch(/(trying again|retrying on its own) at (\w+ \d+ )?\d{2}:\d{2}/);
    // The instants the engine names are shown as local times, not ISO text.
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    await screenshot(page, 'sending-paused-01-flow');

    await banner.getByRole('link', { name: 'Sending accounts' }).click();
    const line = page.getByRole('listitem', { name: 'Main store' }).getByTestId('sending-state');
    await line.getByText(/^Sending paused:/).waitFor();
    const words = await line.innerText();
    expect(words).toContain('Fix the account');
    expect(words).toMatch(/(trying again|retrying on its own) at (\w+ \d+ )?\d{2}:\d{2}/);
    await screenshot(page, 'sending-paused-02-settings');
    // The breaker kept the account from being called for every contact: one refused call, no sends.
    expect(fake.messages).toHaveLength(0);
  });
});
