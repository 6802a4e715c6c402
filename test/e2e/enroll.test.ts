import type { Locator } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser, publishThroughReview } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

async function liveCounts(node: Locator): Promise<Record<string, number>> {
  const items = await node.getByRole('group', { name: 'Live counts' }).getByRole('listitem').allTextContents();
  return Object.fromEntries(items.map((text) => /^([\d,]+)\s+(.+)$/.exec(text.trim())).map((m) => [m?.[2] ?? '?', Number((m?.[1] ?? 'NaN').replace(/,/g, ''))]));
}

describe.skipIf(!chromiumPath)('enrolling contacts into a live flow by hand', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('pastes a list of numbers, says who entered and who is not a contact, and the live counts follow', async () => {
    const imported = await app.postcard.dispatch('contacts.import', { csv: 'phone,first_name,consent\n+12125550160,Ava,opted_in\n+12125550161,Liam,opted_in' });
    expect(imported.ok).toBe(true);
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    const trigger = canvasNode(page, 'Trigger step: Cart abandoned');
    await trigger.waitFor();
    // Only a live flow takes contacts.
    expect(await page.getByRole('button', { name: 'Enroll contacts…' }).count()).toBe(0);
    await publishThroughReview(page);

    await page.getByRole('button', { name: 'Enroll contacts…' }).click();
    const dialog = page.getByRole('dialog', { name: `Enroll contacts in “${SAMPLE}”` });
    const list = dialog.getByLabel('Phone numbers, one per line or separated by commas');
    await list.fill('+1 212 555 0160\n(212) 555-0161, +14155550999\n+1 212 555 0160');
    await dialog.getByText('3 numbers', { exact: true }).waitFor();
    await screenshot(page, 'enroll-01-dialog');
    await dialog.getByRole('button', { name: 'Enroll 3 contacts' }).click();
    await page
      .getByText('2 contacts entered the flow. 1 number is not a contact yet (+14155550999): import them on the Contacts tab first.')
      .waitFor();
    expect(await dialog.count()).toBe(0);
    // The counts come from the engine's change event, no reload and no tick.
    await expect.poll(() => liveCounts(trigger)).toEqual({ entered: 2 });
    await screenshot(page, 'enroll-02-entered');

    // Again: both are still in the journey, and the flow's re-entry rule keeps them out.
    await page.getByRole('button', { name: 'Enroll contacts…' }).click();
    await list.fill('+12125550160, +12125550161');
    await dialog.getByRole('button', { name: 'Enroll 2 contacts' }).click();
    await page.getByText("0 contacts entered the flow. 2 contacts were kept out by the flow's re-entry rule.").waitFor();
    expect(await liveCounts(trigger)).toEqual({ entered: 2 });
  });
});
