import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { engineFor } from '../../src/main/api/handlers/engine';
import type { ContactsSearchResult } from '../../src/shared/api/engine';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser, publishThroughReview } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

async function countsOn(node: Locator, source: 'Simulated' | 'Live'): Promise<Record<string, number>> {
  const items = await node.getByRole('group', { name: `${source} counts` }).getByRole('listitem').allTextContents();
  return Object.fromEntries(
    items.map((text) => {
      const match = /^([\d,]+)\s+(.+)$/.exec(text.trim());
      return [match?.[2] ?? text, Number((match?.[1] ?? 'NaN').replace(/,/g, ''))];
    }),
  );
}

async function lookUp(page: Page, phone: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Phone number or name' }).fill(phone);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
}

describe.skipIf(!chromiumPath)('contacts: import, live journeys and the timeline', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  /** The live engine behind the API; the test ticks it instead of waiting for a scheduler. */
  const tick = async (): Promise<void> => {
    await engineFor({ sqlite: app.postcard.sqlite, events: app.postcard.events }).runtime.tick();
  };
  useAppInBrowser((started) => ({ app, browser } = started));

  it('imports contacts and events from files, shows live counts, runs control and every step of a journey', async () => {
    const { page } = browser;
    await page.goto(app.host.url);

    // ---- publish the sample: live counts (all zero) replace nothing but the empty overlay
    await page.getByRole('link', { name: SAMPLE }).click();
    const trigger = canvasNode(page, 'Trigger step: Cart abandoned');
    await trigger.waitFor();
    await publishThroughReview(page);
    await trigger.getByRole('group', { name: 'Live counts' }).waitFor();
    expect(await countsOn(trigger, 'Live')).toEqual({ entered: 0 });

    // ---- the Contacts section: nothing yet
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByText('No contacts yet.').waitFor();
    await page.getByText('Find a contact').waitFor();

    // ---- a CSV with two good rows and two bad ones: the bad ones are named by line and reason
    const csv = [
      'phone,first_name,time_zone,consent,mms_capable',
      '(212) 555-0150,Ava,,opted_in,',
      '+14155550151,Liam,America/Los_Angeles,opted_in,no',
      'garbage,Zoe,,opted_in,',
      '+13125550152,Maya,Mars/Olympus,opted_in,',
    ].join('\n');
    await page.getByLabel('Contacts CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    // The columns are Postcard's own words: the mapping step's guesses stand.
    await page.getByRole('dialog', { name: 'Import contacts.csv' }).getByRole('button', { name: 'Import 4 rows' }).click();
    await page.getByText('contacts.csv: contacts imported').waitFor();
    await page.getByText('2 new contacts, 0 updated, 2 rows refused').waitFor();
    const refused = await page.getByRole('list', { name: 'Refused rows' }).getByRole('listitem').allTextContents();
    expect(refused.map((r) => r.split(':')[0])).toEqual(['Line 4', 'Line 5']);
    expect(refused[0]).toContain('garbage');
    expect(refused[1]).toContain('Mars/Olympus');
    await page.getByRole('list', { name: 'Contacts' }).getByRole('listitem').nth(1).waitFor();
    await screenshot(page, 'timeline-01-imported');

    // ---- a file larger than one call of the browser mode goes in parts: every row counts once,
    //      and a bad row is named by its line in the whole file
    const rowsOf = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ((from + i) % 2 === 0 ? '+12125550150,Ava' : '+14155550151,Liam')).join('\n');
    const big = ['phone,first_name', rowsOf(0, 250_000), 'not-a-number,Zed', rowsOf(250_000, 500_000)].join('\n');
    // Over the host's 8 MiB body limit for one call.
    expect(big.length).toBeGreaterThan(8 * 1024 * 1024);
    await page.getByLabel('Contacts CSV file').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(big) });
    await page.getByRole('dialog', { name: 'Import big.csv' }).getByRole('button', { name: 'Import 500,001 rows' }).click({ timeout: 30_000 });
    // Half a million rows take a while: a bar says how far the import has come.
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await bar.waitFor();
    // It moves as the server commits chunks (its reports come over the event stream).
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow', { timeout: 60_000 })), { timeout: 60_000 }).toBeGreaterThan(0);
    await screenshot(page, 'timeline-01b-import-progress');
    await page.getByText('0 new contacts, 500,000 updated, 1 row refused', { exact: false }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('list', { name: 'Refused rows' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^Line 250002: "not-a-number" is not a phone number/),
    ]);
    const afterBig = await app.postcard.dispatch('contacts.search', {});
    expect(afterBig.ok && (afterBig.value as ContactsSearchResult).total).toBe(2);

    // ---- events from NDJSON: Ava abandons her cart, and the live engine takes its step
    const ndjson = `${JSON.stringify({ phone: '+1 212 555 0150', name: 'cart_abandoned', properties: { cart_url: 'https://shop.example/c/1' } })}\nnot json\n`;
    await page.getByLabel('Events NDJSON file').setInputFiles({ name: 'events.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(ndjson) });
    await page.getByText('1 event ingested, 1 line refused').waitFor();
    expect(await page.getByRole('list', { name: 'Refused rows' }).getByRole('listitem').allTextContents()).toEqual(['Line 2: not valid JSON']);
    await tick();

    // ---- her timeline, found by the national form of her number
    await lookUp(page, '(212) 555-0150');
    const card = page.getByRole('article', { name: 'Contact +12125550150' });
    await card.getByRole('heading', { name: '+1 212 555 0150' }).waitFor();
    const journey = card.getByRole('list', { name: 'Journey' });
    await journey.getByText(`Entered “${SAMPLE}”`).waitFor();
    await journey.getByText('Cart abandoned → Wait 1 hour').waitFor();
    await journey.getByText('Event “cart_abandoned”').waitFor();
    expect(await card.getByRole('term').filter({ hasText: 'Time zone' }).locator('xpath=..').getByRole('definition').textContent()).toBe('America/New_York');
    expect(await card.getByRole('list', { name: 'Consent history' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('Opted in: all channels'),
    ]);
    // Each step carries the contact's local time and the viewer's.
    const firstStep = journey.getByRole('listitem').filter({ hasText: 'Cart abandoned → Wait 1 hour' });
    expect(await firstStep.locator('time').count()).toBe(2);
    expect(page.url()).toMatch(/#\/contacts\/(%2B|\+)12125550150$/);
    await screenshot(page, 'timeline-02-journey');

    // ---- unknown and unreadable numbers
    await lookUp(page, '+1 415 555 0199');
    await page.getByRole('heading', { name: 'No contact with +1 415 555 0199' }).waitFor();
    await lookUp(page, 'zzz');
    await page.getByRole('heading', { name: 'Not a phone number' }).waitFor();
    // A name with exactly one match opens that contact.
    await lookUp(page, 'liam');
    await page.getByRole('article', { name: 'Contact +14155550151' }).waitFor();

    // ---- back on the canvas: live counts, and they follow the engine without a reload
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: SAMPLE }).click();
    await expect.poll(() => countsOn(trigger, 'Live')).toEqual({ entered: 1 });
    const wait = canvasNode(page, 'Wait step: Wait 1 hour');
    expect(await countsOn(wait, 'Live')).toMatchObject({ entered: 1, 'here now': 1 });
    await app.postcard.dispatch('events.ingest', { ndjson: JSON.stringify({ phone: '+14155550151', name: 'cart_abandoned' }) });
    await tick();
    await expect.poll(() => countsOn(trigger, 'Live')).toEqual({ entered: 2 });
    await screenshot(page, 'timeline-03-live-counts');

    // ---- a dry-run with the imported contacts covers the live figures until it is cleared
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const simulate = page.getByRole('dialog', { name: 'Simulate this flow' });
    await simulate.getByRole('radio', { name: 'Imported contacts (2)' }).check();
    await simulate.getByRole('button', { name: 'Run simulation' }).click();
    await trigger.getByRole('group', { name: 'Simulated counts' }).waitFor();
    expect(await countsOn(trigger, 'Simulated')).toMatchObject({ entered: 2 });
    await page.getByRole('region', { name: 'Simulation results' }).getByText('2 imported contacts').waitFor();
    await page.getByRole('region', { name: 'Simulation results' }).getByRole('button', { name: 'Clear from canvas' }).click();
    await expect.poll(() => countsOn(trigger, 'Live')).toEqual({ entered: 2 });

    // ---- pause, resume, archive with a reason
    const runControl = page.getByRole('group', { name: 'Run control' });
    await runControl.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('Paused. No messages go out until you resume.').waitFor();
    await runControl.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Resumed.', { exact: false }).waitFor();
    await runControl.getByRole('button', { name: 'Archive…' }).click();
    const dialog = page.getByRole('dialog', { name: `Archive “${SAMPLE}”?` });
    await dialog.getByText('2 contacts are in this flow right now.', { exact: false }).waitFor();
    const confirm = dialog.getByRole('button', { name: 'Archive flow' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Reason (kept on every journey it ends)').fill('Promotion ended');
    await screenshot(page, 'timeline-04-archive-dialog');
    await confirm.click();
    await page.getByText('Archived. 0 queued messages cancelled, 2 contacts left the flow', { exact: false }).waitFor();
    await expect.poll(() => countsOn(wait, 'Live')).toMatchObject({ entered: 2, exited: 2 });
    await expect.poll(() => runControl.count()).toBe(0);

    // ---- the journey ends with the reason given
    await page.goto(`${app.host.url.split('#')[0]}#/contacts/%2B12125550150`);
    await page
      .getByRole('list', { name: 'Journey' })
      .getByRole('listitem')
      .filter({ hasText: `Left “${SAMPLE}”` })
      .filter({ hasText: 'archived: Promotion ended' })
      .waitFor();
    await screenshot(page, 'timeline-05-archived');
  });
});
