import sharp from 'sharp';
import { describe, expect, inject, it } from 'vitest';
import { engineFor } from '../../src/main/api/handlers/engine';
import { screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

describe.skipIf(!chromiumPath)('the contacts page', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('pages through a list of 50 contacts, with the total', async () => {
    const { page } = browser;
    const csv = ['phone,first_name', ...Array.from({ length: 50 }, (_, i) => `+1212555${String(1000 + i)},Person${i}`)].join('\n');
    const imported = await app.postcard.dispatch('contacts.import', { csv });
    expect(imported.ok).toBe(true);
    await page.goto(app.host.url);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByText('50 contacts, newest first').waitFor();
    const list = page.getByRole('list', { name: 'Contacts' });
    const pager = page.getByRole('navigation', { name: 'Contact pages' });
    await pager.getByText('1–25 of 50').waitFor();
    const firstPage = await list.getByRole('listitem').allTextContents();
    expect(firstPage).toHaveLength(25);
    expect(await pager.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);

    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByText('26–50 of 50').waitFor();
    const secondPage = await list.getByRole('listitem').allTextContents();
    expect(secondPage).toHaveLength(25);
    expect(expect.arrayContaining(secondPage)).not.toEqual(firstPage);
    // Every contact once across the two pages.
    const phones = new Set([...firstPage, ...secondPage].map((text) => text.replace(/\D/g, '').slice(0, 11)));
    expect(phones.size).toBe(50);
    expect(await pager.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await screenshot(page, 'contacts-01-second-page');

    await pager.getByRole('button', { name: 'Previous' }).click();
    await pager.getByText('1–25 of 50').waitFor();
    // A search starts again at its first page.
    await pager.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('searchbox', { name: 'Phone number or name' }).fill('Person4');
    await page.getByText('11 of 50 contacts match').waitFor();
    expect(await list.getByRole('listitem').count()).toBe(11);
    await expect.poll(() => page.getByRole('navigation', { name: 'Contact pages' }).count()).toBe(0);
  });

  it('shows in the timeline the message sent — text and image — under step names, never ids', async () => {
    const { page } = browser;
    // An image in the library, attached to the sample's MMS; then publish and send to one contact.
    const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#c0392b' } }).png().toBuffer();
    const media = await app.postcard.dispatch('media.import', { source: 'upload', name: 'cart-photo.png', dataBase64: png.toString('base64') });
    if (!media.ok) throw new Error(`media.import: ${media.error.message}`);
    const assetId = (media.value as { asset: { id: string } }).asset.id;
    const flows = await app.postcard.dispatch('flows.list', {});
    const flowId = flows.ok ? (flows.value as Array<{ id: string; name: string }>).find((f) => f.name === SAMPLE)!.id : '';
    const detail = await app.postcard.dispatch('flows.get', { id: flowId });
    if (!detail.ok) throw new Error('flows.get');
    const flow = detail.value as { graph: { nodes: Array<{ id: string; kind: string; config: Record<string, unknown> }>; edges: unknown[] }; settings: { quietHours: { isEnabled: boolean } } & Record<string, unknown> };
    const mms = flow.graph.nodes.find((n) => n.id === 'mms_cart')!;
    mms.config = { ...mms.config, mediaAssetId: assetId };
    const wait = flow.graph.nodes.find((n) => n.id === 'wait_1h')!;
    wait.config = { ...wait.config, amount: 1, unit: 'minutes' };
    const settings = { ...flow.settings, quietHours: { ...flow.settings.quietHours, isEnabled: false } };
    expect((await app.postcard.dispatch('flows.saveDraft', { id: flowId, graph: flow.graph, settings })).ok).toBe(true);
    const published = await app.postcard.dispatch('flows.publish', { id: flowId });
    expect(published.ok, JSON.stringify(published)).toBe(true);

    await app.postcard.dispatch('contacts.import', { csv: 'phone,first_name,consent,mms_capable\n+14155550177,Maya,opted_in,yes' });
    await app.postcard.dispatch('events.ingest', { ndjson: JSON.stringify({ phone: '+14155550177', name: 'cart_abandoned' }) });
    const engine = engineFor({ sqlite: app.postcard.sqlite, events: app.postcard.events });
    await engine.runtime.tick();
    // Past the wait: the engine's clock is the real one, so move the step's start back an hour instead of waiting.
    app.postcard.sqlite.prepare('UPDATE enrollments SET wake_at = 0, node_entered_at = node_entered_at - 3600000 WHERE wake_at IS NOT NULL').run();
    for (let i = 0; i < 5; i++) await engine.runtime.tick();

    await page.goto(app.host.url);
    await page.evaluate("location.hash = '#/contacts/%2B14155550177'");
    const journey = page.getByRole('list', { name: 'Journey' });
    await journey.getByText('Cart abandoned → Wait 1 hour').waitFor();
    const sent = journey.getByRole('figure', { name: 'Message sent' }).first();
    await sent.waitFor();
    expect(await sent.textContent()).toContain('Hi Maya, did you forget your items?');
    expect(await sent.textContent()).toContain('Still thinking it over?');
    await sent.getByText('cart-photo.png').waitFor();
    expect(await sent.locator('img').count()).toBe(1);
    const text = (await journey.textContent()) ?? '';
    expect(text).toContain('MMS “Your cart MMS”');
    for (const id of ['mms_cart', 'wait_1h', 'purchased', 'trigger', flowId]) expect(text).not.toContain(id);
    await screenshot(page, 'contacts-02-timeline-message');
  });
});
