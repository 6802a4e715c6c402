import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import type { SegmentSummary } from '../../src/shared/api/audience';
import { canvasNode, publishThroughReview, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';
const SEGMENT = 'VIPs in Florida';

/** Who the segment should find: 305, 407 and 813 are Florida area codes, 212 is New York. */
const contactsCsv = [
  'phone,tier,time_zone,consent',
  '+13055550101,VIP,America/New_York,opted_in',
  '+14075550102,vip,America/New_York,opted_in',
  '+13055550103,regular,America/New_York,opted_in',
  '+12125550104,VIP,America/New_York,opted_in',
  '+18135550105,gold,America/New_York,opted_in',
].join('\n');

const digitsOf = (texts: string[]): string[] => texts.map((t) => t.replace(/\D/g, '').slice(0, 11)).sort();

describe.skipIf(!chromiumPath)('the segment builder', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const matching = (page: Page) => page.getByRole('complementary', { name: 'Who matches' });
  async function countSays(page: Page, text: string): Promise<void> {
    await matching(page).getByRole('status').filter({ hasText: text }).waitFor();
  }
  async function samplePhones(page: Page): Promise<string[]> {
    return digitsOf(await matching(page).getByRole('list', { name: 'Sample of matching contacts' }).locator('.contact-list-phone').allTextContents());
  }
  async function segmentNamed(name: string): Promise<SegmentSummary | undefined> {
    const list = await app.postcard.dispatch('segments.list', { includeArchived: true });
    return list.ok ? (list.value as SegmentSummary[]).find((s) => s.name === name) : undefined;
  }

  it('builds "VIPs in Florida" with a live count and sample, says rule problems by the rule, nests an OR group and saves versions', async () => {
    const imported = await app.postcard.dispatch('contacts.import', { csv: contactsCsv });
    expect(imported.ok).toBe(true);
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('heading', { name: 'New segment' }).waitFor();

    await page.getByLabel('Segment name', { exact: true }).fill(SEGMENT);
    // Rule 1: the loyalty tier (an attribute the import declared), compared as text.
    await page.getByRole('button', { name: 'Add rule', exact: true }).click();
    await page.getByLabel('Rule 1 attribute', { exact: true }).selectOption('tier');
    expect(await page.getByLabel('Rule 1 operator', { exact: true }).locator('option').allTextContents()).toEqual([
      'equals',
      'does not equal',
      'contains',
      'is one of',
      'is none of',
      'is set',
      'is not set',
    ]);
    await page.getByLabel('Rule 1 value', { exact: true }).fill('vip');
    await countSays(page, '3 contacts match');
    // Rule 2: numbers in Florida, by area code.
    await page.getByRole('button', { name: 'Add rule', exact: true }).click();
    await page.getByLabel('Rule 2 checks', { exact: true }).selectOption({ label: 'Location' });
    await page.getByRole('group', { name: 'Rule 2 states' }).getByLabel('FL').check();
    await countSays(page, '2 contacts match');
    expect(await samplePhones(page)).toEqual(['13055550101', '14075550102']);
    expect(await matching(page).getByRole('list', { name: 'Sample of matching contacts' }).textContent()).toContain('tier: VIP');

    // A rule the data cannot answer: the problem is said in words beside that rule.
    await page.getByRole('button', { name: 'Add rule', exact: true }).click();
    const rule3 = page.getByRole('group', { name: 'Rule 3', exact: true });
    // Declaring an attribute with its type: the operators follow the type.
    await rule3.getByRole('button', { name: 'Declare an attribute…' }).click();
    await rule3.getByLabel('New attribute name', { exact: true }).fill('birthday');
    await rule3.getByLabel('Type', { exact: true }).selectOption('date');
    await rule3.getByRole('button', { name: 'Declare', exact: true }).click();
    await expect.poll(() => page.getByLabel('Rule 3 attribute', { exact: true }).inputValue()).toBe('birthday');
    expect(await page.getByLabel('Rule 3 operator', { exact: true }).locator('option').allTextContents()).toEqual([
      'is on',
      'is between',
      'is after',
      'is before',
      'is set',
      'is not set',
    ]);
    await page.getByLabel('Rule 3 operator', { exact: true }).selectOption({ label: 'is between' });
    expect(await rule3.locator('input[type="date"]').count()).toBe(2);
    // An event counted in a window: nobody has sent cart_abandoned yet.
    await rule3.getByLabel('Rule 3 checks', { exact: true }).selectOption({ label: 'Event' });
    await rule3.getByLabel('Rule 3 event', { exact: true }).fill('cart_abandoned');
    await countSays(page, '0 contacts match');
    await screenshot(page, 'segments-01-event-rule');
    await rule3.getByLabel('Rule 3 checks', { exact: true }).selectOption({ label: 'Location' });
    await rule3.getByLabel('Rule 3 place', { exact: true }).selectOption({ label: 'time zone' });
    await rule3.getByLabel('Rule 3 time zones', { exact: true }).fill('Mars/Olympus');
    await rule3.getByText('"Mars/Olympus" is not an IANA time zone', { exact: false }).waitFor();
    await rule3.getByText('is not an IANA time zone', { exact: false }).scrollIntoViewIfNeeded();
    await countSays(page, 'Fix the rules marked in red');
    await screenshot(page, 'segments-02-rule-problem');
    await page.getByRole('button', { name: 'Remove rule 3', exact: true }).click();
    await countSays(page, '2 contacts match');

    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Saved as version 1.').waitFor();
    const list = page.getByRole('list', { name: 'Segments', exact: true });
    await expect.poll(() => list.getByRole('link', { name: new RegExp(SEGMENT) }).textContent()).toContain('version 1');
    await screenshot(page, 'segments-03-saved');

    // Edit: Florida numbers whose tier is VIP OR gold, the OR in a nested group.
    await page.getByRole('button', { name: 'Remove rule 1', exact: true }).click();
    await countSays(page, '4 contacts match');
    await page.getByRole('button', { name: 'Add group', exact: true }).click();
    const group = page.getByRole('group', { name: /^Group 2/ });
    expect(await page.getByLabel('Group 2 matches', { exact: true }).inputValue()).toBe('any');
    await group.getByRole('button', { name: 'Add rule to group 2' }).click();
    await page.getByLabel('Rule 1 of group 2 attribute', { exact: true }).selectOption('tier');
    await page.getByLabel('Rule 1 of group 2 value', { exact: true }).fill('vip');
    await group.getByRole('button', { name: 'Add rule to group 2' }).click();
    await page.getByLabel('Rule 2 of group 2 attribute', { exact: true }).selectOption('tier');
    await page.getByLabel('Rule 2 of group 2 value', { exact: true }).fill('gold');
    await countSays(page, '3 contacts match');
    expect(await samplePhones(page)).toEqual(['13055550101', '14075550102', '18135550105']);

    // Unsaved edits hold the page: leaving asks first, and staying keeps them.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Contacts' }).click();
    const leave = page.getByRole('dialog', { name: 'Leave without saving?' });
    await leave.waitFor();
    await screenshot(page, 'segments-04-leave');
    await leave.getByRole('button', { name: 'Cancel' }).click();
    expect(page.url()).toContain('#/segments/');
    expect(await page.getByLabel('Rule 2 of group 2 value', { exact: true }).inputValue()).toBe('gold');

    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    expect(await page.getByRole('list', { name: 'Versions' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^Version 2 saved .*latest$/),
      expect.stringMatching(/^Version 1 saved /),
    ]);
    expect((await segmentNamed(SEGMENT))?.version).toBe(2);
    await screenshot(page, 'segments-05-version-2');
  });

  it('is picked in the trigger inspector with its live count; a published flow using it keeps it from being deleted, and it is archived instead', async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'Trigger step: Cart abandoned').click();
    await page.getByLabel('Starts when', { exact: true }).selectOption({ label: 'Contact enters a segment' });
    const picker = page.getByLabel('Segment', { exact: true });
    await expect.poll(() => picker.locator('option').allTextContents()).toEqual(['Choose a segment', `${SEGMENT} (3 contacts)`]);
    await picker.selectOption({ label: `${SEGMENT} (3 contacts)` });
    expect(await page.getByRole('link', { name: 'Edit segments' }).getAttribute('href')).toMatch(/^#\/segments\//);
    await screenshot(page, 'segments-06-trigger-picker');
    // The branch's "In segment" condition picks from the same list.
    await canvasNode(page, 'Branch step: Purchased?').click();
    await page.getByLabel('Condition 1 checks', { exact: true }).selectOption({ label: 'In segment (is set = a member)' });
    const branchPicker = page.getByLabel('Condition 1 segment', { exact: true });
    await expect.poll(() => branchPicker.locator('option').allTextContents()).toEqual(['Choose a segment', `${SEGMENT} (3 contacts)`]);
    await branchPicker.selectOption({ label: `${SEGMENT} (3 contacts)` });
    await publishThroughReview(page);

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('list', { name: 'Segments', exact: true }).getByRole('link', { name: new RegExp(SEGMENT) }).click();
    await page.getByRole('heading', { name: SEGMENT }).waitFor();
    // The published flow finds it by name: a rename is refused, naming the flow.
    await page.getByLabel('Segment name', { exact: true }).fill('Sunshine VIPs');
    await page.getByRole('button', { name: 'Save new version' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'cannot be renamed' });
    expect(await refusal.textContent()).toContain(`"${SAMPLE}" (draft, version 1)`);
    await screenshot(page, 'segments-07-rename-refused');
    // Leaving with the refused name asks first; discarding goes where the user was going.
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.getByRole('dialog', { name: 'Leave without saving?' }).getByRole('button', { name: 'Discard changes' }).click();
    await page.getByRole('heading', { name: 'New segment' }).waitFor();
    await page.getByRole('list', { name: 'Segments', exact: true }).getByRole('link', { name: new RegExp(SEGMENT) }).click();
    await page.getByRole('heading', { name: SEGMENT }).waitFor();
    expect(await page.getByLabel('Segment name', { exact: true }).inputValue()).toBe(SEGMENT);
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog', { name: `Delete “${SEGMENT}”?` }).getByRole('button', { name: 'Delete segment' }).click();
    const inUse = page.getByRole('dialog', { name: `“${SEGMENT}” is in use` });
    expect(await inUse.getByRole('list', { name: 'Flows using this segment' }).textContent()).toContain(SAMPLE);
    await screenshot(page, 'segments-08-in-use');
    await inUse.getByRole('button', { name: 'Archive instead' }).click();
    await page.getByText(`“${SEGMENT}” is archived.`).waitFor();
    expect((await segmentNamed(SEGMENT))?.status).toBe('archived');
    await expect.poll(() => page.getByRole('list', { name: 'Segments', exact: true }).getByRole('link', { name: new RegExp(SEGMENT) }).textContent()).toContain('archived');

    // The flow's trigger now names a segment that cannot be picked: the inspector says so.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'Trigger step: Cart abandoned').click();
    await page.getByText(`“${SEGMENT}” is archived`).waitFor();
    expect(await page.getByLabel('Segment', { exact: true }).locator('option').allTextContents()).toEqual([`${SEGMENT} (archived)`]);
    await screenshot(page, 'segments-09-archived-in-trigger');
  });
});
