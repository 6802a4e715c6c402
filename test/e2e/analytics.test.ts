import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';
import { seedSends, splitDocument } from './analyticsSeed';

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
    await screenshot(page, 'analytics-split');

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
  });
});
