import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import type { AnalyticsSettings } from '../../src/shared/api/analytics';
import type { SimulationResult } from '../../src/shared/engine/types';
import { flowNamed, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';
const START_LOCAL = '2026-01-05T15:00';
// The workspace's price table: synthetic contacts have US numbers, which it prices apart from its default row.
const prices = { currency: 'EUR', default: { smsSegment: 0.012, mms: 0.03 }, byCountry: { US: { smsSegment: 0.05, mms: 0.1 } } };
const eur = (value: number): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(value);

describe.skipIf(!chromiumPath)('the Simulate dialog: the workspace price table and the engagement rates', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const fill = (scope: Locator, label: string, value: number | string): Promise<void> => scope.getByLabel(label, { exact: true }).fill(String(value));
  const total = (page: Page, panel: Locator, term: string): Locator =>
    panel.locator('.simulation-total').filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) }).getByRole('definition');

  it('prices the run at the workspace table (per country) and simulates taps, purchases and replies at the rates typed in', async () => {
    const current = await app.postcard.dispatch('analytics.settings', {});
    if (!current.ok) throw new Error(current.error.message);
    expect((await app.postcard.dispatch('analytics.saveSettings', { ...(current.value as AnalyticsSettings), prices })).ok).toBe(true);

    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
    // The price fields start at the table's default row, in its currency; the countries it names are said.
    await expect.poll(() => dialog.getByLabel('SMS, per segment', { exact: true }).inputValue()).toBe('0.012');
    expect(await dialog.getByLabel('MMS, per message', { exact: true }).inputValue()).toBe('0.03');
    expect(await dialog.getByTestId('price-table-hint').textContent()).toContain('US at their own prices from the table');
    expect(await dialog.getByLabel('Tap the link in an SMS', { exact: true }).inputValue()).toBe('6');

    await fill(dialog, 'How many', 300);
    await fill(dialog, 'Horizon', 2);
    await fill(dialog, 'Seed', 9);
    await dialog.getByLabel('Start date and time').fill(START_LOCAL);
    await fill(dialog, 'Tap the link in an SMS', 0);
    await fill(dialog, 'Tap the link in an MMS', 150);
    await dialog.getByRole('button', { name: 'Run simulation' }).click();
    await dialog.getByText('The MMS click rate must be from 0 to 100').waitFor();
    await fill(dialog, 'Tap the link in an MMS', 100);
    await fill(dialog, 'Buy after tapping', 50);
    await fill(dialog, 'Order value', 80);
    await dialog.scrollIntoViewIfNeeded();
    await screenshot(page, 'simulate-rates-01-dialog');
    await dialog.getByRole('button', { name: 'Run simulation' }).click();
    await dialog.waitFor({ state: 'detached' });

    const panel = page.getByRole('region', { name: 'Simulation results' });
    await panel.getByText('Seed 9').waitFor();
    // The same run through the API, with the rates the dialog took and no prices: the engine reads the table.
    const flow = await flowNamed(app, SAMPLE);
    const direct = await app.postcard.dispatch('engine.simulate', {
      flowId: flow.id,
      options: {
        contacts: 300,
        days: 2,
        seed: 9,
        startAt: new Date(START_LOCAL).toISOString(),
        engagement: { clickRate: { sms: 0, mms: 1 }, conversionRate: 0.5, replyRate: 0.02, orderValue: 80 },
      },
    });
    if (!direct.ok) throw new Error(direct.error.message);
    const expected = direct.value as SimulationResult;
    // US numbers at the table's US prices, not the default row nor the built-in 0.0079.
    expect(expected.cost.currency).toBe('EUR');
    expect(expected.cost.sms).toBeCloseTo(expected.totals.smsSegments * 0.05, 4);
    expect(expected.cost.mms).toBeCloseTo(expected.totals.messagesByChannel.mms * 0.1, 4);
    expect(await total(page, panel, 'Total').textContent()).toBe(eur(expected.cost.total));
    expect(await panel.getByTestId('cost-basis').textContent()).toContain('the table’s own for numbers in US');

    const sms = expected.nodeMetrics.sms_cart;
    const mms = expected.nodeMetrics.mms_cart;
    expect(sms?.clicks).toBe(0);
    expect(mms?.clicks).toBe(expected.nodeCounts.mms_cart?.delivered);
    const clicks = Object.values(expected.nodeMetrics).reduce((sum, n) => sum + n.clicks, 0);
    const conversions = Object.values(expected.nodeMetrics).reduce((sum, n) => sum + n.conversions, 0);
    expect(clicks).toBeGreaterThan(0);
    expect(await total(page, panel, 'Link taps').textContent()).toContain(new Intl.NumberFormat('en-US').format(clicks));
    expect(await total(page, panel, 'Conversions').textContent()).toContain(new Intl.NumberFormat('en-US').format(conversions));
    await total(page, panel, 'Total').scrollIntoViewIfNeeded();
    await screenshot(page, 'simulate-rates-02-results');
  });
});
