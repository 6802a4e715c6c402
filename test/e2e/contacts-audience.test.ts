import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, inject, it } from 'vitest';
import { screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

/**
 * The Contacts page's audience work in real Chromium: a CSV through the column-mapping step with
 * a broken row (downloaded back with its reason), the list filtered by a saved segment, two
 * contacts opted out at once with a reason that shows in one contact's consent history, and the
 * ledger exported for an audit.
 */
describe.skipIf(!chromiumPath)('contacts: import mapping, segment filter, bulk opt-out, ledger export', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('imports through the mapping step, filters by a segment, opts two out with a reason and exports the ledger', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Contacts' }).click();

    // ---- a CSV whose headers are not Postcard's words, one row broken
    const csv = [
      'Mobile,First Name,Tier,Points,Consent,Consent Source,Consent At',
      '+13055550101,Ana,vip,10,opted_in,Web form,2025-05-01T10:00:00Z',
      '+13055550102,Ben,vip,20,opted_in,Web form,2025-05-01T10:00:00Z',
      '+14055550103,Cy,regular,5,opted_in,import,2025-05-01T10:00:00Z',
      '+12125550104,Di,vip,lots,opted_in,import,2025-05-01T10:00:00Z',
    ].join('\n');
    await page.getByLabel('Contacts CSV file').setInputFiles({ name: 'spring.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const mapping = page.getByRole('dialog', { name: 'Import spring.csv' });
    await mapping.waitFor();
    expect(await mapping.getByRole('combobox', { name: '“Mobile” becomes' }).inputValue()).toBe('phone');
    expect(await mapping.getByRole('combobox', { name: '“Consent Source” becomes' }).inputValue()).toBe('consent_source');
    expect(await mapping.getByRole('combobox', { name: '“Consent At” becomes' }).inputValue()).toBe('consent_at');
    expect(await mapping.getByRole('textbox', { name: 'Attribute name for “First Name”' }).inputValue()).toBe('first_name');
    // "lots" makes the column look like text; it is a number, and the row that says otherwise is refused.
    expect(await mapping.getByRole('combobox', { name: 'Type of “Points”' }).inputValue()).toBe('text');
    await mapping.getByRole('combobox', { name: 'Type of “Points”' }).selectOption('number');
    await screenshot(page, 'contacts-audience-01-mapping');
    await mapping.getByRole('button', { name: 'Import 4 rows' }).click();

    const outcome = page.locator('.intake-result');
    await outcome.getByRole('heading', { name: 'spring.csv: contacts imported' }).waitFor();
    expect(await outcome.textContent()).toContain('3 new contacts');
    expect(await outcome.getByRole('list', { name: 'Refused rows' }).getByRole('listitem').allTextContents()).toEqual(['Line 5: points "lots" is not a number']);
    const [refusedDownload] = await Promise.all([page.waitForEvent('download'), outcome.getByRole('button', { name: 'Download refused rows (CSV)' }).click()]);
    expect(refusedDownload.suggestedFilename()).toBe('spring-refused.csv');
    const refused = parse(readFileSync((await refusedDownload.path()) as string, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(refused).toEqual([
      {
        line: '5',
        reason: 'points "lots" is not a number',
        // Marked as text for spreadsheets (no formula); the import reads it back as the number.
        Mobile: "'+12125550104",
        'First Name': 'Di',
        Tier: 'vip',
        Points: 'lots',
        Consent: 'opted_in',
        'Consent Source': 'import',
        'Consent At': '2025-05-01T10:00:00Z',
      },
    ]);
    await page.getByText('3 contacts, newest first').waitFor();

    // ---- a saved segment narrows the list, and its count
    const saved = await app.postcard.dispatch('segments.save', {
      name: 'VIPs',
      definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] },
    });
    expect(saved.ok).toBe(true);
    await page.reload();
    await page.getByText('3 contacts, newest first').waitFor();
    await page.getByRole('combobox', { name: 'Segment' }).selectOption({ label: 'VIPs' });
    await page.getByText('2 contacts in “VIPs”, newest first').waitFor();
    const list = page.getByRole('list', { name: 'Contacts' });
    expect((await list.getByRole('listitem').allTextContents()).map((t) => t.replace(/\D/g, '').slice(0, 11)).sort()).toEqual(['13055550101', '13055550102']);

    // ---- both opted out at once, with a reason
    await list.getByRole('checkbox', { name: 'Tick +1 305 555 0101' }).check();
    await list.getByRole('checkbox', { name: 'Tick +1 305 555 0102' }).check();
    await page.getByRole('button', { name: 'Change contacts…' }).click();
    const bulk = page.getByRole('dialog', { name: 'Change many contacts' });
    expect(await bulk.getByRole('radio', { name: /The 2 contacts ticked/ }).isChecked()).toBe(true);
    await bulk.getByRole('combobox', { name: 'Change' }).selectOption({ label: 'Opt out of marketing messages' });
    expect(await bulk.getByRole('button', { name: 'Continue' }).isDisabled()).toBe(true);
    await bulk.getByRole('textbox', { name: 'Reason' }).fill('asked at the store');
    await screenshot(page, 'contacts-audience-02-bulk');
    await bulk.getByRole('button', { name: 'Continue' }).click();
    const confirm = page.getByRole('dialog', { name: 'Opt out?' });
    expect(await confirm.textContent()).toContain('This touches 2 contacts');
    await confirm.getByRole('button', { name: 'Change 2 contacts' }).click();
    await page.getByRole('status').filter({ hasText: 'Opt out: 2 contacts changed.' }).waitFor();

    // ---- the reason in one contact's consent history
    await list.getByRole('link', { name: /\+1 305 555 0101/ }).click();
    const card = page.getByRole('article', { name: 'Contact +13055550101' });
    const history = card.getByRole('list', { name: 'Consent history' });
    await history.getByText('Opted out: all channels').waitFor();
    expect(await history.getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('Opted in: all channelssource: web form · imported from spring.csv, line 2'),
      expect.stringContaining('Opted out: all channelssource: agent · asked at the store'),
    ]);
    expect(await card.getByRole('term').filter({ hasText: 'SMS consent' }).locator('xpath=..').getByRole('definition').textContent()).toBe('opted out');
    await screenshot(page, 'contacts-audience-03-ledger');

    // ---- the ledger for an audit
    const [ledgerDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export consent ledger (CSV)' }).click()]);
    expect(ledgerDownload.suggestedFilename()).toMatch(/^consent-ledger-\d{4}-\d{2}-\d{2}\.csv$/);
    const ledger = parse(readFileSync((await ledgerDownload.path()) as string, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(ledger.filter((r) => r.kind === 'opt_out').map((r) => [r.phone, r.source, r.detail]).sort()).toEqual([
      ['+13055550101', 'agent', 'asked at the store'],
      ['+13055550102', 'agent', 'asked at the store'],
    ]);
    expect(ledger.filter((r) => r.kind === 'opt_in')).toHaveLength(3);
  });

  it('changes one contact’s subscriptions and pause from their page, each change a record in their consent history', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByPlaceholder('Phone number or name').fill('405 555 0103');
    await page.getByRole('list', { name: 'Contacts' }).getByRole('link', { name: /\+1 405 555 0103/ }).click();
    const card = page.getByRole('article', { name: 'Contact +14055550103' });
    const subscriptions = card.locator('dl[aria-label="Subscriptions"]');
    const state = (label: string) => subscriptions.getByRole('term').filter({ hasText: label }).locator('xpath=..').getByRole('definition');
    await expect.poll(() => state('Promotions').textContent()).toContain('subscribed');
    expect(await state('Promotions').textContent()).not.toContain('unsubscribed');

    await card.getByRole('button', { name: 'Unsubscribe from Promotions' }).click();
    await expect.poll(() => state('Promotions').textContent()).toContain('unsubscribed');
    await card.getByRole('button', { name: 'Subscribe to Promotions' }).waitFor();

    // A pause must end in the future: the service's refusal is shown, nothing changes.
    await card.getByLabel('Pause until').fill('2020-01-01');
    await card.getByRole('button', { name: 'Pause', exact: true }).click();
    await card.getByRole('alert').getByText('Not changed: a pause must end in the future').waitFor();
    await card.getByLabel('Pause until').fill('2099-06-01');
    await card.getByRole('button', { name: 'Pause', exact: true }).click();
    await card.getByRole('button', { name: 'Resume now' }).waitFor();
    expect(await card.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'contacts-audience-04-preferences');

    const history = card.getByRole('list', { name: 'Consent history' });
    await history.getByText('Paused', { exact: true }).waitFor();
    const titles = await history.locator('.timeline-title').allTextContents();
    expect(titles).toEqual(['Opted in: all channels', 'Unsubscribed from Promotions', 'Paused']);
    expect(await history.getByRole('listitem').nth(1).textContent()).toContain('source: agent · changed on the contact’s page');
    const stored = await app.postcard.dispatch('contacts.preferences', { phone: '+14055550103' });
    const preferences = stored.ok ? (stored.value as { pausedUntil: string | null; categories: Array<{ id: string; isSubscribed: boolean }> }) : null;
    expect(preferences?.pausedUntil?.slice(0, 4)).toBe('2099');
    expect(preferences?.categories.find((c) => c.id === 'promotions')?.isSubscribed).toBe(false);

    await card.getByRole('button', { name: 'Resume now' }).click();
    await card.getByLabel('Pause until').waitFor();
    expect(await history.locator('.timeline-title').allTextContents()).toEqual(['Opted in: all channels', 'Unsubscribed from Promotions', 'Paused', 'Resumed']);
  });
});
