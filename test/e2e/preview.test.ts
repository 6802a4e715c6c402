import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { animatedGif, bombPng } from '../fixtures/media/generate';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser, zoomToFullCard } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

/** A photo-like JPEG (smooth colour fields with grain): big enough that every profile has work to do. */
async function writePhoto(path: string): Promise<void> {
  const width = 1600;
  const height = 1200;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const grain = (seed % 17) - 8;
      const i = (y * width + x) * 3;
      pixels[i] = Math.max(0, Math.min(255, 235 - (y / height) * 120 + grain));
      pixels[i + 1] = Math.max(0, Math.min(255, 120 + (x / width) * 90 + grain));
      pixels[i + 2] = Math.max(0, Math.min(255, 90 + Math.sin(x / 90) * 40 + grain));
    }
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toFile(path);
}

describe.skipIf(!chromiumPath)('media library and handset preview, as a creative would use them', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  let fixtures: string;
  const photo = (): string => join(fixtures, 'spring-jacket.jpg');
  const broken = (): string => join(fixtures, 'broken.jpg');

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'postcard-e2e-media-'));
    await writePhoto(photo());
    // A JPEG cut off a third of the way in: the header reads, the pixels do not.
    const bytes = readFileSync(photo());
    writeFileSync(broken(), bytes.subarray(0, Math.floor(bytes.length / 3)));
  });
  afterAll(() => {
    if (fixtures) rmSync(fixtures, { recursive: true, force: true });
  });
  useAppInBrowser((started) => ({ app, browser } = started));

  it('imports an image and refuses a damaged one with its error code', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Media', exact: true }).click();
    await page.getByRole('heading', { name: 'Media library' }).waitFor();
    await page.getByText('Drop images, GIFs or video here').waitFor();

    await page.getByLabel('Import media', { exact: true }).setInputFiles(photo());
    const card = page.getByRole('button', { name: /^spring-jacket\.jpg, JPEG · 1600×1200/ });
    await card.waitFor();
    await page.getByRole('status').filter({ hasText: 'spring-jacket.jpg imported' }).waitFor();
    // Selecting it shows its details and the size meter of the default profile.
    await card.click();
    const meter = page.getByRole('group', { name: 'Size meter' });
    await meter.getByText('MMS (safe default)').first().waitFor();
    await meter.getByTestId('send-bytes').waitFor();
    await screenshot(page, '40-media-library');

    await page.getByLabel('Import media', { exact: true }).setInputFiles(broken());
    const refusal = page.getByRole('alert').filter({ hasText: 'broken.jpg was not imported' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('MEDIA_CORRUPT');
    await screenshot(page, '41-media-refused');
    const listed = await app.postcard.dispatch('media.list', {});
    expect(listed.ok && (listed.value as Array<{ name: string }>).map((a) => a.name)).toEqual(['spring-jacket.jpg']);

    // A batch: the animation imports (and is marked as one), the decompression bomb is refused by name and code.
    writeFileSync(join(fixtures, 'bouncing.gif'), await animatedGif({ frames: 8 }));
    writeFileSync(join(fixtures, 'poster-scan.png'), bombPng());
    await page.getByLabel('Import media', { exact: true }).setInputFiles([join(fixtures, 'bouncing.gif'), join(fixtures, 'poster-scan.png')]);
    const gifCard = page.getByRole('button', { name: /^bouncing\.gif, GIF · 320×240/ });
    await gifCard.getByText('GIF', { exact: true }).waitFor();
    const bomb = page.getByRole('alert').filter({ hasText: 'poster-scan.png was not imported' });
    await bomb.waitFor();
    expect(await bomb.textContent()).toContain('MEDIA_TOO_MANY_PIXELS');
    await screenshot(page, '41b-media-batch');
  });

  it('imports a photo larger than one upload call (about 6 MB) from the browser, in parts', async () => {
    const { page } = browser;
    // A 20 MB PNG of noise: nothing compresses it.
    const size = 2600;
    const big = join(fixtures, 'billboard-scan.png');
    await sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } }).png({ compressionLevel: 1 }).toFile(big);
    expect(statSync(big).size).toBeGreaterThan(12_000_000);
    await page.getByRole('link', { name: 'Media', exact: true }).click();
    await page.getByLabel('Import media', { exact: true }).setInputFiles(big);
    await page.getByRole('status').filter({ hasText: 'billboard-scan.png imported' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /^billboard-scan\.png, PNG · 2600×2600/ }).waitFor();
  });

  it('attaches it to an MMS, shows it on both phones with the size meter, and personalises per contact', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await page.getByRole('link', { name: SAMPLE }).click();
    const mms = canvasNode(page, 'MMS step: Your cart MMS');
    await mms.waitFor();
    await mms.click();
    await zoomToFullCard(page, mms);

    // ---- pick from the library
    await page.getByRole('button', { name: 'Choose from library' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose media' });
    await picker.getByRole('button', { name: /^Use spring-jacket\.jpg/ }).click();
    await picker.waitFor({ state: 'detached' });
    await page.getByRole('group', { name: 'Media' }).getByText('spring-jacket.jpg').waitFor();
    // The card shows a thumbnail and the size badge of the default profile's rendition.
    await mms.locator('.media-thumb img').waitFor();
    await mms.getByLabel(/KB, fits the MMS \(safe default\) budget/).waitFor();

    // ---- the inspector's phone: media inline, the body rendered for the sample contact
    const inspectorPhone = page.getByRole('figure', { name: 'MMS on iPhone' });
    await inspectorPhone.locator('.bubble-media img').waitFor();
    await expect.poll(() => inspectorPhone.locator('.bubble').textContent()).toContain('Hi Maya, did you forget your Alpine rain jacket?');
    await expect.poll(() => inspectorPhone.locator('.bubble-link').getAttribute('href')).toBe('https://shop.example/c/maya42');
    const dismissToast = page.locator('.toasts').getByRole('button', { name: 'Dismiss' });
    // Toasts also leave on their own: one may go between counting and clicking.
    while ((await dismissToast.count()) > 0) await dismissToast.first().click({ timeout: 1_000 }).catch(() => undefined);
    await inspectorPhone.scrollIntoViewIfNeeded();
    await screenshot(page, '42-inspector-preview');

    // ---- switching the contact re-renders the personalisation (defaults for a bare contact)
    await page.getByLabel('Sample contact', { exact: true }).selectOption({ label: 'New subscriber' });
    await expect.poll(() => inspectorPhone.locator('.bubble').textContent()).toContain('Hi there, did you forget your items?');

    // ---- the full preview: both phones and the size meter
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.getByRole('dialog', { name: 'Preview' });
    const iphone = preview.getByRole('figure', { name: 'MMS on iPhone' });
    const android = preview.getByRole('figure', { name: 'MMS on Android' });
    for (const phone of [iphone, android]) {
      await phone.locator('.bubble-media img').waitFor();
      await expect.poll(() => phone.locator('.bubble').textContent()).toContain('Still thinking it over?');
    }
    const sizeMeter = preview.getByRole('group', { name: 'Size meter' });
    await sizeMeter.getByText('Send', { exact: true }).waitFor();
    const sendRow = sizeMeter.locator('tr.is-send');
    expect(await sendRow.getAttribute('class')).toContain('is-pass');
    await preview.getByLabel('Sample contact', { exact: true }).selectOption({ label: 'Priya Raman' });
    await expect.poll(() => android.locator('.bubble').textContent()).toContain('Hi Priya, did you forget your Handmade stoneware pour-over coffee set');
    await screenshot(page, '43-full-preview');

    // ---- MMS against its SMS fallback; an accented name forces UCS-2 and is marked
    await preview.getByRole('button', { name: 'MMS vs SMS fallback' }).click();
    await preview.getByLabel('Sample contact', { exact: true }).selectOption({ label: 'Álvaro Núñez' });
    const fallback = preview.getByRole('figure', { name: 'SMS fallback on iPhone' });
    await expect.poll(() => fallback.locator('.bubble').textContent()).toContain('Hi Álvaro, your cart is waiting');
    const facts = preview.getByRole('group', { name: 'SMS encoding and segments' });
    await expect.poll(() => facts.getByTestId('sms-encoding').textContent()).toBe('UCS-2');
    await facts.locator('mark.ucs2-char', { hasText: 'Á' }).first().waitFor();
    await preview.getByRole('button', { name: 'Dark mode on the phones' }).click();
    await preview.locator('.phone.is-dark').first().waitFor();
    await screenshot(page, '44-mms-vs-fallback-dark');
    await preview.getByRole('button', { name: 'Close preview' }).click();
    await preview.waitFor({ state: 'detached' });

    // ---- the attachment was saved with the flow
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const flows = await app.postcard.dispatch('flows.list', {});
    const id = flows.ok ? (flows.value as Array<{ id: string; name: string }>).find((f) => f.name === SAMPLE)?.id : undefined;
    const stored = await app.postcard.dispatch('flows.get', { id });
    const node = stored.ok ? (stored.value as { graph: { nodes: Array<{ id: string; config: { mediaAssetId?: string | null } }> } }).graph.nodes.find((n) => n.id === 'mms_cart') : undefined;
    expect(node?.config.mediaAssetId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('imports a file dropped onto an MMS card and attaches it; unknown Liquid variables show as problems', async () => {
    const { page } = browser;
    const png = await sharp({ create: { width: 600, height: 600, channels: 4, background: { r: 219, g: 39, b: 119, alpha: 1 } } })
      .composite([{ input: Buffer.from('<svg width="600" height="600"><rect x="100" y="240" width="400" height="120" fill="white"/></svg>') }])
      .png()
      .toBuffer();
    // A drop from the desktop, as Chromium delivers it: a DataTransfer holding a File (built in the page).
    const dataTransfer = await page.evaluateHandle(
      `(() => { const bytes = Uint8Array.from(atob('${png.toString('base64')}'), (c) => c.charCodeAt(0)); const dt = new DataTransfer(); dt.items.add(new File([bytes], 'sale-badge.png', { type: 'image/png' })); return dt; })()`,
    );
    const mms = canvasNode(page, 'MMS step: Your cart MMS');
    await zoomToFullCard(page, mms);
    await mms.dispatchEvent('dragover', { dataTransfer });
    await mms.dispatchEvent('drop', { dataTransfer });
    await mms.getByText('sale-badge.png').waitFor();
    await page.getByRole('group', { name: 'Media' }).getByText('sale-badge.png').waitFor();
    await mms.getByLabel(/fits the MMS \(safe default\) budget/).waitFor();

    // A misspelt variable warns (on the card and in the problems list) without blocking publish.
    await page.getByLabel('Subject', { exact: true }).fill('{{ frist_name }}, still thinking it over?');
    const problem = page.getByRole('list', { name: 'Problems' }).getByRole('button').filter({ hasText: 'TEMPLATE_UNKNOWN_VARIABLE' });
    await problem.waitFor();
    expect(await problem.textContent()).toContain('frist_name');
    await mms.getByRole('img', { name: '1 problem' }).waitFor();
    await screenshot(page, '45-dropped-on-card-and-warning');
    await page.getByLabel('Subject', { exact: true }).fill('Still thinking it over?');
    await problem.waitFor({ state: 'detached' });
  });
});
