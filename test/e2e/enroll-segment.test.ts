import { describe, expect, inject, it } from 'vitest';
import type { ApiResult } from '../../src/shared/api/result';
import { publishSmsFlowOn } from '../support/liveFlow';
import { screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('enrolling a saved segment into a live flow', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  async function call<T>(method: string, input: unknown): Promise<T> {
    const result = (await app.postcard.dispatch(method, input)) as ApiResult<T>;
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
    return result.value;
  }

  it('picks a segment, sees how many it enrolls, confirms; again it says who the re-entry rule kept out; a scheduled broadcast says when', async () => {
    await call('contacts.import', {
      csv: 'phone,first_name,tier,consent\n+12125550160,Ava,vip,opted_in\n+12125550161,Liam,vip,opted_in\n+12125550162,Mia,vip,opted_in\n+12125550163,Noah,basic,opted_in',
    });
    await call('segments.save', { name: 'VIPs', definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] } });
    const flow = await publishSmsFlowOn(call, null, 'VIP preview', 'Early access for you');

    const { page } = browser;
    await page.goto(app.host.url);
    await page.evaluate(`location.hash = '#/flows/${flow.id}'`);
    await page.getByRole('button', { name: 'Enroll contacts…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Enroll contacts in “VIP preview”' });
    await dialog.getByRole('radio', { name: 'A saved segment' }).check();
    await dialog.getByLabel('Segment', { exact: true }).selectOption({ label: 'VIPs' });
    await dialog.getByTestId('segment-enroll-count').getByText('3 contacts match this segment now and will enter the flow.').waitFor();
    await screenshot(page, 'enroll-segment-01-count');
    await dialog.getByRole('button', { name: 'Enroll 3 contacts' }).click();
    await page.getByText('3 contacts of “VIPs” entered the flow.').waitFor();
    expect(await dialog.count()).toBe(0);
    const entered = app.postcard.sqlite.prepare('SELECT COUNT(*) AS n FROM enrollments WHERE flow_id = ?').get(flow.id) as { n: number };
    expect(entered.n).toBe(3);

    // Again at once: all three are in the journey, and the flow's re-entry rule keeps them out.
    await page.getByRole('button', { name: 'Enroll contacts…' }).click();
    await dialog.getByRole('radio', { name: 'A saved segment' }).check();
    await dialog.getByLabel('Segment', { exact: true }).selectOption({ label: 'VIPs' });
    await dialog.getByRole('button', { name: 'Enroll 3 contacts' }).click();
    await page.getByText("0 contacts of “VIPs” entered the flow. 3 contacts were kept out by the flow's re-entry rule.").waitFor();

    // A scheduled broadcast: tomorrow at 10:00 in each contact's own zone.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('button', { name: 'Enroll contacts…' }).click();
    await dialog.getByRole('radio', { name: 'A saved segment' }).check();
    await dialog.getByLabel('Segment', { exact: true }).selectOption({ label: 'VIPs' });
    await dialog.getByLabel('At a chosen time, in each contact’s own time zone').check();
    await dialog.getByLabel('Date').fill(tomorrow);
    await dialog.getByLabel('Local time').fill('10:00');
    await dialog.getByTestId('segment-enroll-count').getByText('3 contacts match this segment now; each enters at that time in their own zone.').waitFor();
    await screenshot(page, 'enroll-segment-02-scheduled');
    await dialog.getByRole('button', { name: 'Schedule 3 contacts' }).click();
    await page.getByText(/^3 contacts of “VIPs” will enter the flow at /).waitFor();
    await screenshot(page, 'enroll-segment-03-done');
  });
});
