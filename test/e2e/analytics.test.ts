import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';
import { sampleSizePerArm } from '../../src/shared/analytics/statistics';
import { seedOlderSends, seedSends, splitDocument } from './analyticsSeed';

/** The downloaded CSV's lines, without the trailing empty one. */
async function downloadedCsv(page: Page, button: Locator): Promise<string[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return readFileSync((await download.path()) as string, 'utf8')
    .split('\r\n')
    .filter((line) => line !== '');
}

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('flow analytics in the browser', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('opens Analytics from the flow, reads the split verdict, compares MMS with SMS, simulates a forecast and exports CSV', async () => {
    const imported = (await app.postcard.dispatch('flows.import', { document: splitDocument })) as { ok: true; value: { id: string } };
    expect(imported.ok).toBe(true);
    const flowId = imported.value.id;
    seedSends(app, flowId);

    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Spring launch: MMS vs SMS' }).click();
    // On the canvas, a dry-run draws its clicks and conversions on the message cards.
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
    await dialog.getByRole('button', { name: 'Run simulation' }).click({ timeout: 60_000 });
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    const engagement = canvasNode(page, /^MMS step/).getByRole('group', { name: 'Simulated engagement' });
    await expect.poll(() => engagement.textContent(), { timeout: 60_000 }).toMatch(/^[\d,]+ clicks[\d,]+ conversions$/);

    await page.getByRole('link', { name: 'Analytics of this flow' }).click();
    await page.getByRole('heading', { name: 'Analytics: Spring launch: MMS vs SMS' }).waitFor();

    const totals = page.getByRole('region', { name: 'Analytics' }).getByLabel('Totals');
    await expect.poll(() => totals.textContent()).toContain('Sent1,800');

    // The daily figures as charts (recharts, loaded with the view): one line per series.
    await expect.poll(() => page.getByRole('figure', { name: 'Messages per day' }).locator('path.recharts-line-curve').count()).toBe(3);

    // Against the holdout first (the default control when a split has one).
    const verdict = page.getByRole('region', { name: 'Split Picture or text' }).getByLabel('Verdict');
    await expect.poll(() => verdict.textContent()).toMatch(/^MMS converts [\d.]+× Holdout, 95 % interval [\d.]+–[\d.]+×; \d+ % likely better\./);
    // One click: MMS against SMS.
    await page.getByRole('button', { name: 'MMS vs SMS' }).click();
    await expect.poll(() => verdict.textContent()).toMatch(/^MMS converts 2\.0× SMS, 95 % interval 1\.[3-5]–2\.[7-9]×; >99 % likely better\./);

    // Per arm: delivery, click-through, opt-out and conversion rates, each over its 95 % interval, then revenue per message and cost.
    const arms = page.getByRole('table', { name: 'Arms of Picture or text' });
    const cellsOf = (arm: string) => arms.getByRole('row', { name: new RegExp(`^${arm}`) }).getByRole('cell').allTextContents();
    const mms = await cellsOf('MMS');
    expect(mms.slice(0, 5)).toEqual(['900', expect.stringMatching(/^100\.0 %99\.\d %–100\.0 %$/), expect.stringMatching(/^0\.0 %0\.0 %–0\.\d %$/), expect.stringMatching(/^0\.0 %0\.0 %–0\.\d %$/), expect.stringMatching(/^11\.1 %9\.\d %–13\.\d %$/)]);
    expect(mms[6]).toBe('4.44'); // 100 orders of 40 USD over 900 messages
    expect(mms[7]).toMatch(/^\d+\.\d\d$/);
    const holdout = await cellsOf('Holdout');
    // The holdout is sent nothing: no delivery, click or opt-out rate; its conversions are the baseline.
    expect(holdout.slice(0, 5)).toEqual(['200', '—', '—', '—', expect.stringMatching(/^10\.0 %6\.\d %–1[45]\.\d %$/)]);

    // The sample size still needed follows the smallest lift worth detecting, and the choice is kept.
    const sampleSize = page.getByRole('status', { name: 'Sample size for Picture or text' });
    // Against SMS (50 of 900 converted); the smallest arm, the holdout's 200, sets how many more each arm needs.
    const stillNeeded = (effect: number) => (sampleSizePerArm({ baseRate: 50 / 900, minimumDetectableEffect: effect }) - 200).toLocaleString('en-US');
    await expect.poll(() => sampleSize.textContent()).toMatch(new RegExp(`^${stillNeeded(0.2)} more contacts per variant needed to detect a 20 % lift`));
    await page.getByLabel('Smallest lift worth detecting').selectOption('0.5');
    await expect.poll(() => sampleSize.textContent()).toMatch(new RegExp(`^${stillNeeded(0.5)} more contacts per variant needed to detect a 50 % lift`));
    await expect.poll(() => verdict.textContent()).toContain(`About ${stillNeeded(0.5)} more contacts per arm are needed to detect a 50 % difference.`);
    await screenshot(page, 'analytics-split');
    await page.reload();
    await expect.poll(() => page.getByLabel('Smallest lift worth detecting').inputValue()).toBe('0.5');
    await expect.poll(() => sampleSize.textContent()).toMatch(/more contacts per variant needed to detect a 50 % lift/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export messages (CSV)' }).click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8').split('\r\n');
    expect(csv[0]).toBe('message_id,created_at,accepted_at,finished_at,node_id,channel,status,reason,segments,phone,clicks,conversions,revenue');
    expect(csv.filter((line) => line !== '').length).toBe(1 + 1800);
    expect(csv.filter((line) => /,m,mms,delivered,/.test(line) && /,0,1,40(\.0)? USD$/.test(line)).length).toBe(100);

    // A forecast: the draft simulated with the simulator's clicks and purchases.
    // The dry-run runs in this test's own process (the host is in-process), so the click's answer may wait for it.
    await page.getByRole('button', { name: 'Simulate a forecast' }).click({ timeout: 60_000 });
    const forecast = page.getByRole('region', { name: 'Forecast' }).getByLabel('Forecast verdict for ab');
    await expect.poll(() => forecast.textContent(), { timeout: 60_000 }).toMatch(/^MMS converts [\d.]+× Holdout/);
    const [forecastDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export forecast (CSV)' }).click()]);
    const forecastCsv = readFileSync((await forecastDownload.path()) as string, 'utf8');
    expect(forecastCsv.split('\r\n')[0]).toBe('nodeId,sent,clicks,conversions,revenue,cost');
    expect(forecastCsv).toMatch(/\r\nm,\d+,\d+,\d+,/);

    // The workspace overview lists the flow with its figures.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Analytics' }).click();
    const row = page.getByRole('table', { name: 'Flows' }).getByRole('row', { name: /Spring launch: MMS vs SMS/ });
    await expect.poll(() => row.textContent()).toMatch(/^Spring launch: MMS vs SMS1,8001,8000150/);

    // Its daily figures as the same charts, and as CSV.
    const workspace = page.getByRole('region', { name: 'Workspace analytics' });
    await expect.poll(() => workspace.getByRole('figure', { name: 'Messages per day' }).locator('path.recharts-line-curve').count()).toBe(3);
    await expect.poll(() => workspace.getByRole('figure', { name: 'Revenue and cost per day' }).locator('path.recharts-line-curve').count()).toBe(2);
    const daily = await downloadedCsv(page, workspace.getByRole('button', { name: 'Export daily figures (CSV)' }));
    expect(daily[0]).toBe('day,sent,delivered,failed,clicks,conversions,optOuts,revenue,cost');
    expect(daily.length).toBe(1 + 30);
    expect(daily.slice(1).reduce((sum, line) => sum + Number(line.split(',')[1]), 0)).toBe(1800);
    // Revenue: the 150 orders the messages earned and the holdout's 20, which no message earned (40 USD each).
    expect(daily.slice(1).reduce((sum, line) => sum + Number(line.split(',')[7]), 0)).toBe(6800);

    // Prices as a form: the seed's US phones pay the "other countries" prices (SMS 0.0079 a segment, MMS 0.02): 900 × 0.0079 + 900 × 0.02.
    const workspaceTotals = workspace.getByLabel('Totals');
    await expect.poll(() => workspaceTotals.textContent()).toContain('Cost25.11 USD');
    const prices = page.getByRole('form', { name: 'Prices' });
    await prices.getByLabel('Row 1 price').fill('0.01');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await expect.poll(() => workspaceTotals.textContent()).toContain('Cost27.00 USD'); // 900 × 0.01 + 18
    // A row of its own for US SMS; a mistake is told in words and nothing is saved.
    await prices.getByRole('button', { name: 'Add a country’s price' }).click();
    const added = (await prices.getByRole('row').count()) - 1;
    await prices.getByLabel(`Row ${added} country`).fill('U');
    await prices.getByLabel(`Row ${added} price`).fill('0.02');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await expect.poll(() => prices.getByRole('alert').textContent()).toBe(`Row ${added} (U, SMS): expected a two-letter country code such as US.`);
    await prices.getByLabel(`Row ${added} price`).fill('abc');
    await prices.getByLabel(`Row ${added} country`).fill('US');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await expect.poll(() => prices.getByRole('alert').textContent()).toBe(`Row ${added} (US, SMS): the price must be a number, such as 0.0079.`);
    await screenshot(page, 'analytics-workspace-prices');
    expect(await workspaceTotals.textContent()).toContain('Cost27.00 USD');
    await prices.getByLabel(`Row ${added} price`).fill('0.02');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await expect.poll(() => workspaceTotals.textContent()).toContain('Cost36.00 USD'); // 900 × 0.02 + 18
    const saved = (await app.postcard.dispatch('analytics.settings', {})) as { ok: true; value: { prices: unknown } };
    expect(saved.value.prices).toMatchObject({ currency: 'USD', default: { smsSegment: 0.01, mms: 0.02 }, byCountry: { US: { smsSegment: 0.02, mms: 0.02 } } });
  });

  it('reads the figures of the chosen time range and exports them day by day', async () => {
    const imported = (await app.postcard.dispatch('flows.import', { document: splitDocument, name: 'Autumn: by range' })) as { ok: true; value: { id: string } };
    const flowId = imported.value.id;
    seedSends(app, flowId, '646');
    // Sixty more SMS forty days ago: outside the last 30 days, inside the last 90.
    seedOlderSends(app, flowId, 60, 40);
    const oldDay = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);

    const { page } = browser;
    await page.goto(`${app.host.url.split('#')[0]}#/flows/${flowId}/analytics`);
    const totals = page.getByRole('region', { name: 'Analytics' }).getByLabel('Totals');
    const range = page.getByLabel('Time range');
    const exportDaily = page.getByRole('button', { name: 'Export daily figures (CSV)' });
    expect(await range.inputValue()).toBe('30');
    await expect.poll(() => totals.textContent()).toContain('Sent1,800');

    await range.selectOption('90');
    await expect.poll(() => totals.textContent()).toContain('Sent1,860');
    const ninety = await downloadedCsv(page, exportDaily);
    expect(ninety[0]).toBe('day,sent,delivered,failed,clicks,conversions,optOuts,revenue,cost');
    expect(ninety.length).toBe(1 + 90);
    const sentOf = (lines: string[]) => lines.slice(1).reduce((sum, line) => sum + Number(line.split(',')[1]), 0);
    expect(sentOf(ninety)).toBe(1860);
    expect(ninety.find((line) => line.startsWith(`${oldDay},`))).toMatch(new RegExp(`^${oldDay},60,60,0,0,0,0,0,[\\d.]+$`));
    await screenshot(page, 'analytics-range-90');

    await range.selectOption('7');
    await expect.poll(() => totals.textContent()).toContain('Sent1,800');
    const week = await downloadedCsv(page, exportDaily);
    expect(week.length).toBe(1 + 7);
    expect(sentOf(week)).toBe(1800);
    expect(week.some((line) => line.startsWith(`${oldDay},`))).toBe(false);
    // The days run to today, one row each.
    expect(week.at(-1)?.slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
  });
});
