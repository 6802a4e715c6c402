import { describe, expect, inject, it } from 'vitest';
import type { AnalyticsSettings } from '../../src/shared/api/analytics';
import type { FlowDetail } from '../../src/shared/api/flows';
import { canvasNode, flowNamed, screenshot, type OpenBrowser, useAppInBrowser, zoomToFullCard } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';
// 162 characters as typed (two segments); 109 once its link is a short link on go.acme.example (one segment).
const BODY = 'Your cart is still here and we saved your size. Finish your order today: https://shop.example/cart/checkout?session=abcdef0123456789&step=review&from=sms-reminder';
const SHORT = 'https://go.acme.example/l/xxxxxxxxxx';

describe.skipIf(!chromiumPath)('click tracking and measurement settings in the editor', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const sampleFlow = (): Promise<FlowDetail> => flowNamed(app, SAMPLE);
  /** Opens the sample with nothing selected: the flow settings panel. */
  const openSample = async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    const settings = page.getByRole('region', { name: 'Flow settings' });
    return { page, settings, track: settings.getByLabel('Track link clicks') };
  };

  it('with click tracking on, the preview shows the short link on the link domain and both segment counts count the short body', async () => {
    const current = await app.postcard.dispatch('analytics.settings', {});
    if (!current.ok) throw new Error(current.error.message);
    expect((await app.postcard.dispatch('analytics.saveSettings', { ...(current.value as AnalyticsSettings), linkDomain: 'go.acme.example' })).ok).toBe(true);

    // The sample predates click tracking: its links go out as written until it is switched on.
    const { page, settings, track } = await openSample();
    expect(await track.isChecked()).toBe(false);
    await settings.getByText('Links go out as written; clicks are not counted.').waitFor();
    await track.check();
    await settings.getByTestId('link-domain-hint').getByText('https://go.acme.example/l/…').waitFor();

    const sms = canvasNode(page, 'SMS step: Fallback SMS');
    await sms.click();
    await zoomToFullCard(page, sms);
    await page.getByLabel('Message', { exact: true }).fill(BODY);
    const phone = page.getByRole('figure', { name: 'SMS on iPhone' });
    const facts = page.getByRole('group', { name: 'SMS encoding and segments' });
    await expect.poll(() => phone.locator('.bubble-link').textContent()).toBe(SHORT);
    expect(await phone.locator('.bubble').textContent()).toBe(`Your cart is still here and we saved your size. Finish your order today: ${SHORT}`);
    await expect.poll(() => facts.getByTestId('sms-segments').textContent()).toBe('1 segment');
    await expect.poll(() => page.locator('.sms-count').textContent()).toBe('109 characters · 1 segment · GSM-7');
    await page.getByText('Links count as the short links click tracking sends (https://go.acme.example/l/…).').waitFor();
    await page.locator('.inspector-preview').scrollIntoViewIfNeeded();
    await screenshot(page, 'click-tracking-01-short-link-preview');

    // Both edits are saved with the flow before the next test opens it again.
    await expect
      .poll(async () => {
        const flow = await sampleFlow();
        return [flow.settings.clickTracking.isEnabled, flow.graph.nodes.find((n) => n.id === 'sms_cart')?.config];
      }, { timeout: 10_000 })
      .toEqual([true, { body: BODY }]);
  });

  it('switching tracking off is one undo step, and the preview and counter go back to the long link', async () => {
    const { page, track } = await openSample();
    expect(await track.isChecked()).toBe(true);
    await track.uncheck();
    await expect.poll(async () => (await sampleFlow()).settings.clickTracking.isEnabled, { timeout: 10_000 }).toBe(false);
    await canvasNode(page, 'SMS step: Fallback SMS').click();
    const phone = page.getByRole('figure', { name: 'SMS on iPhone' });
    const facts = page.getByRole('group', { name: 'SMS encoding and segments' });
    await expect.poll(() => phone.locator('.bubble-link').textContent()).toMatch(/^https:\/\/shop\.example\/cart\/checkout\?session=/);
    await expect.poll(() => facts.getByTestId('sms-segments').textContent()).toBe('2 segments');
    await expect.poll(() => page.locator('.sms-count').textContent()).toBe('162 characters · 2 segments · GSM-7');

    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => phone.locator('.bubble-link').textContent()).toBe(SHORT);
    await expect.poll(() => facts.getByTestId('sms-segments').textContent()).toBe('1 segment');
    await expect.poll(async () => (await sampleFlow()).settings.clickTracking.isEnabled, { timeout: 10_000 }).toBe(true);
  });

  it('the Measurement and Consent sections save UTM tags, the attribution window, the revenue property and the category; an archived category is named', async () => {
    const { page, settings } = await openSample();
    await settings.getByLabel('UTM campaign').fill('spring_sale');
    await settings.getByLabel('UTM source').fill('acme_texts');
    const window = settings.getByLabel('Attribution window');
    await window.fill('31');
    await settings.getByText('Enter a whole number from 1 to 30.').waitFor();
    await window.fill('7');
    await settings.getByText(/^Last touch: a goal event within this window after a message counts/).waitFor();
    await settings.getByLabel('Revenue property').fill('order_total');
    const category = settings.getByLabel('Subscription category');
    await expect.poll(() => category.locator('option').allTextContents()).toContain('Promotions');
    await category.selectOption({ label: 'Promotions' });
    await expect
      .poll(async () => {
        const s = (await sampleFlow()).settings;
        return [s.clickTracking.utmCampaign, s.clickTracking.utmSource, s.attributionDays, s.revenueProperty, s.category];
      }, { timeout: 10_000 })
      .toEqual(['spring_sale', 'acme_texts', 7, 'order_total', 'promotions']);
    await settings.getByRole('heading', { name: 'Measurement' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'click-tracking-02-measurement-settings');

    // Typing a field is one undo step, not one per character.
    await settings.getByLabel('Revenue property').blur();
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => settings.getByLabel('Subscription category').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => settings.getByLabel('Revenue property').inputValue()).toBe('value');
    await page.getByRole('button', { name: 'Redo' }).click();
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => category.inputValue()).toBe('promotions');

    expect((await app.postcard.dispatch('audience.archiveCategory', { id: 'promotions' })).ok).toBe(true);
    await page.reload();
    await settings.getByRole('alert').getByText('“promotions” is not one of the workspace’s categories').waitFor();
    expect(await category.locator('option:checked').textContent()).toBe('promotions (archived or unknown)');
    await settings.getByRole('heading', { name: 'Consent' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'click-tracking-03-archived-category');
  });
});
