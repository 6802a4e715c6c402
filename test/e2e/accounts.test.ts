import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FlowDetail, FlowSummary } from '../../src/shared';
import { fakeCredentials, FakeProviders, telnyxKeyPair } from '../support/fakeProviders';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startLoopbackS3 } from '../support/s3';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('Settings → Sending accounts against a loopback provider', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  let fake: FakeProviders;
  useAppInBrowser((started) => ({ app, browser } = started));
  beforeAll(async () => {
    fake = await FakeProviders.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('adds an account, tests the connection, sends a test and sees it delivered; a wrong token shows the refusal in words', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Add account' }).click();
    const form = page.getByRole('form', { name: 'Add a sending account' });
    await form.getByLabel('Name').fill('Main store');
    await form.getByLabel('Sender').fill('+14155550100');
    await form.getByLabel('Account SID').fill(fakeCredentials.twilio.accountSid);
    await form.getByLabel('Auth Token').fill(fakeCredentials.twilio.authToken);
    await form.getByLabel('Base URL (optional)').fill(fake.url);
    await form.getByRole('button', { name: 'Add account' }).click();

    const card = page.getByRole('listitem', { name: 'Main store' });
    await card.getByText('Auth Token: set ••••0001').waitFor();
    await card.getByText('Account SID: set ••••cdef').waitFor();
    // The page never holds the credential itself.
    expect(await page.content()).not.toContain(fakeCredentials.twilio.authToken);

    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByTestId('connection-result').getByText(/Twilio account .* is active/).waitFor();
    await screenshot(page, 'accounts-01-connected');

    await card.getByRole('button', { name: 'Send a test' }).click();
    const send = card.getByRole('form', { name: 'Send a test through Main store' });
    await send.getByLabel('To (your phone)').fill('+14155550142');
    await send.getByLabel('Message').fill('Hello from the settings page');
    await send.getByRole('button', { name: 'Send now' }).click();
    const status = send.getByTestId('test-send-status');
    await status.getByText('queued').waitFor();
    const [message] = fake.messagesTo('+14155550142');
    expect(message?.body).toBe('Hello from the settings page');
    await status.getByText(message!.id, { exact: false }).waitFor();
    // The carrier delivers it; the page follows the provider's status on its own.
    fake.setStatus(message!.id, 'delivered');
    await status.getByText('delivered').waitFor({ timeout: 15_000 });
    await screenshot(page, 'accounts-02-delivered');

    await card.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit Main store' });
    expect(await edit.getByLabel('Auth Token').inputValue()).toBe('');
    await edit.getByLabel('Auth Token').fill('a-wrong-token-00000000009999');
    await edit.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Auth Token: set ••••9999').waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByTestId('connection-result').getByText(/Twilio refused.*20003/).waitFor();
    await screenshot(page, 'accounts-03-refused');
  });

  it('takes a Telnyx account’s webhook public key as an optional field, shown afterwards as set with its last 4 only', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Add account' }).click();
    const form = page.getByRole('form', { name: 'Add a sending account' });
    await form.getByLabel('Provider').selectOption({ label: 'Telnyx' });
    await form.getByLabel('Name').fill('Telnyx store');
    await form.getByLabel('Sender').fill('+14155550100');
    await form.getByLabel('API key').fill(fakeCredentials.telnyx.apiKey);
    await form.getByLabel('Base URL (optional)').fill(fake.url);
    // Refused fields are named by their labels, not by the API's names for them.
    await form.getByLabel('Messages per second').fill('0');
    await form.getByLabel('Daily cap (optional)').fill('2.5');
    await form.getByRole('button', { name: 'Add account' }).click();
    const refusal = form.getByRole('alert');
    await refusal.getByText('Messages per second: must be more than 0 · Daily cap: must be a whole number').waitFor();
    expect(await refusal.textContent()).not.toMatch(/accounts\.add|messagesPerSecond|dailyCap/);
    await form.getByLabel('Messages per second').fill('1');
    await form.getByLabel('Daily cap (optional)').fill('');
    // Something else than the key the portal shows is refused, in words, and nothing is added.
    await form.getByLabel('Webhook public key (optional)').fill('not-a-public-key-1234');
    await form.getByRole('button', { name: 'Add account' }).click();
    await form.getByRole('alert').getByText(/Telnyx public key is the Base64 text of 32 bytes/).waitFor();
    const { publicKeyText } = telnyxKeyPair();
    await form.getByLabel('Webhook public key (optional)').fill(publicKeyText);
    await form.getByText('Keys & Credentials → Public Key').waitFor();
    await screenshot(page, 'accounts-04-telnyx-webhook-key');
    await form.getByRole('button', { name: 'Add account' }).click();

    const card = page.getByRole('listitem', { name: 'Telnyx store' });
    await card.getByText(`Webhook public key: set ••••${publicKeyText.slice(-4)}`).waitFor();
    expect(await page.content()).not.toContain(publicKeyText);
  });

  it('the flow settings panel chooses the sending account, and the choice is saved with the flow', async () => {
    const { page } = browser;
    const flows = await app.postcard.dispatch('flows.list', {});
    if (!flows.ok) throw new Error(flows.error.message);
    const flow = (flows.value as FlowSummary[])[0]!;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: flow.name }).click();
    const settings = page.getByRole('region', { name: 'Flow settings' });
    const select = settings.getByLabel('Sending account');
    expect(await select.inputValue()).toBe('simulator');
    const option = select.locator('option', { hasText: 'Main store' });
    await select.selectOption(await option.getAttribute('value') as string);
    await expect
      .poll(async () => {
        const saved = await app.postcard.dispatch('flows.get', { id: flow.id });
        return saved.ok ? (saved.value as FlowDetail).settings.sendingAccountId : 'error';
      }, { timeout: 10_000 })
      .toMatch(/^acc_/);

    // The message inspector sends the step as the preview shows it, to my phone, through that account
    // (with the right token again: the test before left a wrong one).
    const accounts = await app.postcard.dispatch('accounts.list', {});
    const accountId = accounts.ok ? (accounts.value as { accounts: { id: string }[] }).accounts[0]!.id : '';
    expect((await app.postcard.dispatch('accounts.update', { id: accountId, secrets: { authToken: fakeCredentials.twilio.authToken } })).ok).toBe(true);
    await canvasNode(page, 'SMS step: Fallback SMS').click();
    const inspector = page.getByRole('region', { name: 'Send a test' });
    await inspector.getByRole('button', { name: 'Send a test to my phone…' }).click();
    await inspector.getByText('As Maya Chen would get it, through Main store.').waitFor();
    await inspector.getByLabel('To (your phone)').fill('+14155550199');
    await inspector.getByRole('button', { name: 'Send now' }).click();
    await inspector.getByTestId('test-send-status').getByText('queued').waitFor();
    const [sent] = fake.messagesTo('+14155550199');
    expect(sent?.body).toMatch(/^Hi Maya, your cart is waiting: https:\/\/shop\.example\/c\/maya42/);
    await screenshot(page, 'accounts-05-inspector-test');
  });

  it('Settings → Media hosting saves the bucket and checks it by reading a file back; a bucket that is not there is named', async () => {
    const s3 = await startLoopbackS3(['mms-media']);
    try {
      const { page } = browser;
      await page.goto(app.host.url);
      await page.getByRole('link', { name: 'Settings' }).click();
      const form = page.getByRole('form', { name: 'Media hosting' });
      await form.getByLabel('Endpoint').fill(s3.endpoint);
      await form.getByLabel('Bucket').fill('mms-media');
      await form.getByLabel('Access key ID').fill(S3_ACCESS_KEY_ID);
      await form.getByLabel('Secret access key').fill(S3_SECRET_ACCESS_KEY);
      await form.getByRole('button', { name: 'Save and test' }).click();
      await form.getByTestId('hosting-result').getByText(/read it back through presigned URLs that last 24 hours/).waitFor();
      // Saved: the keys are not shown again, only that they are set.
      expect(await form.getByLabel('Secret access key').inputValue()).toBe('');
      expect(await form.getByLabel('Secret access key').getAttribute('placeholder')).toMatch(/^set/);
      await screenshot(page, 'accounts-04-media-hosting');

      await form.getByLabel('Bucket').fill('not-there');
      await form.getByRole('button', { name: 'Save and test' }).click();
      await form.getByTestId('hosting-result').getByText(/"not-there".*NoSuchBucket/).waitFor();
    } finally {
      await s3.close();
    }
  });
});
