import { describe, expect, inject, it } from 'vitest';
import { getProfile } from '../../src/shared/media/profiles';
import { heicPhoto, HEIC_PHOTO } from '../fixtures/media/heic/fixtures';
import { screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('an iPhone photo (HEIC) dropped into the media library', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('becomes an MMS-ready JPEG, with its size and SSIM against the original shown', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Media', exact: true }).click();
    await page.getByRole('heading', { name: 'Media library' }).waitFor();

    // A drop from the desktop as Chromium delivers it: a DataTransfer holding the file, built in
    // the page from the bytes of an HEVC photo in Display P3 with GPS tags, as an iPhone takes it.
    const bytes = (await heicPhoto()).toString('base64');
    const dataTransfer = await page.evaluateHandle(
      `(() => { const bytes = Uint8Array.from(atob('${bytes}'), (c) => c.charCodeAt(0)); const dt = new DataTransfer(); dt.items.add(new File([bytes], 'IMG_4031.HEIC', { type: 'image/heic' })); return dt; })()`,
    );
    const dropZone = page.locator('main.media-page');
    await dropZone.dispatchEvent('dragenter', { dataTransfer });
    await dropZone.dispatchEvent('dragover', { dataTransfer });
    await dropZone.dispatchEvent('drop', { dataTransfer });
    await page.getByRole('status').filter({ hasText: 'IMG_4031.HEIC imported' }).waitFor({ timeout: 60_000 });
    const card = page.getByRole('button', { name: new RegExp(`^IMG_4031\\.HEIC, HEIC · ${HEIC_PHOTO.width}×${HEIC_PHOTO.height}`) });
    await card.waitFor();

    // Its details: what the MMS send uses, at phone size, within the safe default budget.
    await card.click();
    const meter = page.getByRole('group', { name: 'Size meter' });
    const summary = meter.locator('.size-meter-summary');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.textContent()).toMatch(/^Sends as JPEG 1280×960, \d+ KB with the MMS \(safe default\) profile/);
    const kilobytes = Number(/(\d+) KB/.exec((await meter.getByTestId('send-bytes').textContent()) ?? '')?.[1]);
    expect(kilobytes).toBeLessThanOrEqual(Math.round(getProfile('mms-default').budgetBytes / 1000));
    // A budget of 600 KB leaves room for a photo of this size to look like the original.
    expect(kilobytes).toBeGreaterThan(100);
    const notes = (await meter.locator('.size-meter-notes').textContent()) ?? '';
    const ssim = Number(/SSIM (0\.\d{4}|1)/.exec(notes)?.[1]);
    expect(ssim).toBeGreaterThanOrEqual(0.95);
    expect(ssim).toBeLessThanOrEqual(1);
    expect(notes).toContain('fitted to 1280×960');
    await meter.getByRole('row', { name: /MMS \(safe default\).*Fits/ }).waitFor();
    await screenshot(page, '47-heic-photo-in-library');
  });
});
