import { describe, expect, inject, it } from 'vitest';
import type { FlowDetail } from '../../src/shared/api/flows';
import type { SendingAccount } from '../../src/shared/api/accounts';
import { canvasNode, flowNamed as flowNamedIn, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

describe.skipIf(!chromiumPath)('publishing goes through a review', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const flowNamed = (name: string): Promise<FlowDetail> => flowNamedIn(app, name);

  it('shows who sends, who can enter, the send window, the cost and the problems; Cancel changes nothing, confirming makes it live', async () => {
    const imported = await app.postcard.dispatch('contacts.import', {
      csv: 'phone,time_zone,first_name,consent\n+12125550160,America/New_York,Ava,opted_in\n+13105550161,America/Los_Angeles,Liam,opted_in\n+13105550162,America/Los_Angeles,Zoe,opted_out',
    });
    expect(imported.ok).toBe(true);
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'Trigger step: Cart abandoned').waitFor();

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const review = page.getByRole('dialog', { name: `Review before publishing “${SAMPLE}”` });
    const confirm = review.getByRole('button', { name: 'Publish version 1' });
    // The review counts contacts and runs a dry-run for the cost before it shows.
    await review.getByRole('region', { name: 'Sends through' }).waitFor({ timeout: 30_000 });
    expect(await confirm.isEnabled()).toBe(true);
    expect(await review.getByRole('region', { name: 'Sends through' }).textContent()).toContain('The built-in simulator');
    const who = review.getByRole('region', { name: 'Who can enter' });
    expect(await who.textContent()).toContain('When cart_abandoned happens');
    // The opted-out contact cannot receive it.
    expect(await who.textContent()).toContain('2 contacts can receive it now');
    const window = await review.getByRole('region', { name: 'Send window' }).textContent();
    expect(window).toContain(`${(await flowNamed(SAMPLE)).settings.quietHours.start}–08:00 in each recipient`);
    expect(window).toMatch(/America\/New_York: 1 contact, \d\d:\d\d there now/);
    expect(window).toMatch(/America\/Los_Angeles: 1 contact/);
    const cost = review.getByRole('region', { name: 'Cost forecast' });
    expect(await cost.getByRole('row', { name: /^MMS/ }).textContent()).toMatch(/\$/);
    expect(await cost.getByRole('row', { name: /^SMS/ }).count()).toBe(1);
    await screenshot(page, 'publish-01-review');

    // Cancel: still a draft, nothing published.
    await review.getByRole('button', { name: 'Cancel' }).click();
    await review.waitFor({ state: 'detached' });
    expect((await flowNamed(SAMPLE)).status).toBe('draft');
    expect((await flowNamed(SAMPLE)).versions).toEqual([]);

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await confirm.click({ timeout: 30_000 });
    await page.getByText('Published version 1.').waitFor();
    expect(await review.count()).toBe(0);
    expect((await flowNamed(SAMPLE)).status).toBe('live');
  });

  it('an error blocks going live: the review lists it and the publish button stays disabled', async () => {
    // A flow with MMS steps, set to send through an account that carries SMS only.
    const account = await app.postcard.dispatch('accounts.add', {
      provider: 'twilio',
      name: 'Texts only',
      sender: '+14155550100',
      channels: ['sms'],
      baseUrl: 'http://127.0.0.1:9',
      messagesPerSecond: 5,
      secrets: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'fake-twilio-auth-token-0001' },
    });
    if (!account.ok) throw new Error(account.error.message);
    const copy = await app.postcard.dispatch('flows.duplicate', { id: (await flowNamed(SAMPLE)).id, name: 'Cart, real account' });
    if (!copy.ok) throw new Error(copy.error.message);
    const flow = copy.value as FlowDetail;
    const saved = await app.postcard.dispatch('flows.saveDraft', { id: flow.id, graph: flow.graph, settings: { ...flow.settings, sendingAccountId: (account.value as SendingAccount).id } });
    expect(saved.ok).toBe(true);

    const { page } = browser;
    await page.getByRole('link', { name: 'All flows', exact: true }).click();
    await page.getByRole('link', { name: 'Cart, real account' }).click();
    await canvasNode(page, 'Trigger step: Cart abandoned').waitFor();
    // MMS steps on a texts-only account are a validation error (MMS_ACCOUNT_NO_MMS): the editor shows it and will not publish.
    await page.getByRole('list', { name: 'Problems' }).getByText('MMS_ACCOUNT_NO_MMS').first().waitFor();
    expect(await page.getByRole('button', { name: 'Publish', exact: true }).isDisabled()).toBe(true);

    // An account without SMS for the fallback SMS step is a sending prerequisite: the review lists it.
    const picturesOnly = await app.postcard.dispatch('accounts.add', {
      provider: 'twilio',
      name: 'Pictures only',
      sender: '+14155550101',
      channels: ['mms'],
      baseUrl: 'http://127.0.0.1:9',
      messagesPerSecond: 5,
      secrets: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'fake-twilio-auth-token-0001' },
    });
    if (!picturesOnly.ok) throw new Error(picturesOnly.error.message);
    const resaved = await app.postcard.dispatch('flows.saveDraft', { id: flow.id, graph: flow.graph, settings: { ...flow.settings, sendingAccountId: (picturesOnly.value as SendingAccount).id } });
    expect(resaved.ok).toBe(true);
    await page.reload();
    await canvasNode(page, 'Trigger step: Cart abandoned').waitFor();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const review = page.getByRole('dialog', { name: 'Review before publishing “Cart, real account”' });
    const errors = review.getByRole('list', { name: 'Errors' });
    await errors.waitFor({ timeout: 30_000 });
    expect(await errors.textContent()).toContain('does not carry SMS');
    expect(await review.getByRole('region', { name: 'Sends through' }).textContent()).toContain('Pictures only');
    expect(await review.getByRole('button', { name: 'Publish version 1' }).isDisabled()).toBe(true);
    await screenshot(page, 'publish-02-blocked');
    await review.getByRole('button', { name: 'Cancel' }).click();
    await review.waitFor({ state: 'detached' });
    const after = await app.postcard.dispatch('flows.get', { id: flow.id });
    expect(after.ok && (after.value as FlowDetail).status).toBe('draft');
  });

  it('walks the whole flow on my phone: every message of the sample contact’s way, now, listed with its status, and none in the flow’s figures', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'All flows', exact: true }).click();
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'Trigger step: Cart abandoned').waitFor();
    const before = Number(app.postcard.sqlite.prepare('SELECT count(*) FROM messages').pluck().get());
    await page.getByRole('button', { name: 'Walk on my phone' }).click();
    const dialog = page.getByRole('dialog', { name: 'Walk the flow on my phone' });
    await dialog.getByLabel('Your phone number').fill('+14155550199');
    await dialog.getByLabel('As sample contact').selectOption({ label: 'Maya Chen — Gold member, left a jacket in her cart' });
    await dialog.getByRole('button', { name: 'Send every message now' }).click();
    const sent = dialog.getByRole('list', { name: 'Messages sent' }).getByRole('listitem');
    await sent.first().waitFor({ timeout: 30_000 });
    const items = await sent.allTextContents();
    expect(items.length).toBeGreaterThan(0);
    // Rendered with the sample contact's data, sent through the simulator (the flow's default).
    expect(items.join('\n')).toContain('Maya');
    expect(items.every((text) => /· (MMS|SMS) · (queued|failed)/.test(text))).toBe(true);
    expect(await dialog.getByRole('status').textContent()).toMatch(/messages? sent; the walk ended/);
    await screenshot(page, 'publish-03-walk');
    // Outside the flow: no outbox row and no enrollment came of it.
    expect(Number(app.postcard.sqlite.prepare('SELECT count(*) FROM messages').pluck().get())).toBe(before);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});
