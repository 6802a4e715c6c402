import { describe, expect, inject, it } from 'vitest';
import { type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('the app shell in the browser mode', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('has a favicon: no request of the page is answered 404', async () => {
    const { page } = browser;
    const missing: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    await page.goto(app.host.url);
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toBeTruthy();
    const icon = await page.request.get(new URL(href!, page.url()).toString());
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/png');
    // Not 'networkidle': the live-update stream stays open for the page's lifetime.
    await page.waitForLoadState('load');
    await page.waitForTimeout(1000);
    expect(missing).toEqual([]);
  });

  it('keeps one live-update stream across view changes, and no request URL carries the token', async () => {
    // A page of its own, so the stream is opened in front of this test.
    const page = await browser.context.newPage();
    const urls: string[] = [];
    const streams: string[] = [];
    page.on('request', (request) => {
      urls.push(request.url());
      if (new URL(request.url()).pathname === '/api/events') streams.push(request.url());
    });
    await page.goto(app.host.url);
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    for (let round = 0; round < 3; round++) {
      await page.getByRole('link', { name: /^Abandoned cart/ }).first().click();
      await page.getByRole('application', { name: 'Flow canvas' }).waitFor();
      await nav.getByRole('link', { name: 'Media' }).click();
      await page.getByRole('heading', { name: 'Media library' }).waitFor();
      await nav.getByRole('link', { name: 'Contacts' }).click();
      await page.getByRole('heading', { name: 'Contacts' }).waitFor();
      await nav.getByRole('link', { name: 'Flows' }).click();
      await page.getByRole('heading', { name: 'Flows' }).waitFor();
    }
    expect(streams).toHaveLength(1);

    // The one stream still delivers: a flow made elsewhere appears in the list without a reload.
    await app.postcard.dispatch('flows.create', { name: 'Made from the command line' });
    await page.getByRole('link', { name: /^Made from the command line/ }).waitFor();
    expect(streams).toHaveLength(1);

    expect(urls.length).toBeGreaterThan(20);
    expect(urls.filter((url) => url.includes(app.host.token))).toEqual([]);
    await page.close();
  });
});
