import { describe, expect, inject, it } from 'vitest';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

describe.skipIf(!chromiumPath)('fields that said too little', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('turns spaces in an event name into underscores, and says so', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'Trigger step: Cart abandoned').click();
    const field = page.getByLabel('Event name', { exact: true });
    await field.fill('cart left behind');
    await expect.poll(() => field.inputValue()).toBe('cart_left_behind');
    await page.getByText('Event names have no spaces: saved as “cart_left_behind”.').waitFor();
    const storedEvent = async (): Promise<string | undefined> => {
      const stored = await app.postcard.dispatch('flows.get', { id: (await currentFlowId()) ?? '' });
      const nodes = stored.ok ? (stored.value as { graph: { nodes: Array<{ id: string; config: { event?: string } }> } }).graph.nodes : [];
      return nodes.find((n) => n.id === 'trigger')?.config.event;
    };
    await expect.poll(storedEvent).toBe('cart_left_behind');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => field.inputValue()).toBe('cart_abandoned');
  });

  it('draws an empty field’s example faint and italic, marked “e.g.”, unlike a value', async () => {
    const { page } = browser;
    const field = page.getByLabel('Event name', { exact: true });
    await field.fill('');
    expect(await field.getAttribute('placeholder')).toBe('e.g. cart_abandoned');
    // A page script as a string: the test project has no DOM types.
    const styles = (await field.evaluate(
      new Function(
        'el',
        "const p = getComputedStyle(el, '::placeholder'); const v = getComputedStyle(el); return { placeholderStyle: p.fontStyle, placeholderColor: p.color, valueStyle: v.fontStyle, valueColor: v.color };",
      ) as (el: unknown) => unknown,
    )) as { placeholderStyle: string; placeholderColor: string; valueStyle: string; valueColor: string };
    expect(styles.placeholderStyle).toBe('italic');
    expect(styles.valueStyle).toBe('normal');
    expect(styles.placeholderColor).not.toBe(styles.valueColor);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => field.inputValue()).toBe('cart_abandoned');
  });

  it('says which segment count is billed: the preview’s, for the text a contact gets', async () => {
    const { page } = browser;
    await canvasNode(page, 'SMS step: Fallback SMS').click();
    await page.getByText('An estimate from the template as written. The preview counts the text each contact gets: that count is what is billed.').waitFor();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.getByRole('dialog', { name: /Preview/ });
    await preview.getByRole('button', { name: 'MMS vs SMS fallback' }).click();
    const facts = preview.getByRole('group', { name: 'SMS encoding and segments' });
    await facts.getByTestId('sms-segments').waitFor();
    expect(await facts.getByTestId('sms-billed').textContent()).toBe('billed for this contact');
    await screenshot(page, 'fields-01-billed-segments');
    await preview.getByRole('button', { name: 'Close preview' }).click();
  });

  it('offers only what applies to a branch on an event since entry', async () => {
    const { page } = browser;
    await canvasNode(page, 'Branch step: Purchased?').click();
    const operator = page.getByLabel('Condition 1 operator', { exact: true });
    const options = await operator.locator('option').allTextContents();
    expect(options).toEqual(['happened', 'did not happen', 'happened more than', 'happened fewer than', 'happened exactly']);
    // "Happened" needs no value.
    expect(await page.getByLabel('Condition 1 value', { exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Condition 1 times', { exact: true }).count()).toBe(0);
    await operator.selectOption({ label: 'happened more than' });
    await page.getByLabel('Condition 1 times', { exact: true }).waitFor();
    // Back to an attribute: the text operators return.
    await page.getByLabel('Condition 1 checks', { exact: true }).selectOption({ label: 'Contact attribute' });
    expect(await operator.locator('option').allTextContents()).toContain('contains');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => operator.locator('option').allTextContents()).toContain('happened');
    await expect.poll(() => operator.inputValue()).toBe('exists');
  });

  it('starts a simulation now or on a chosen date, and shows MMS failures that did not fall back', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
    expect(await dialog.getByRole('radio', { name: 'Now', exact: true }).isChecked()).toBe(true);
    await dialog.getByLabel('How many', { exact: true }).fill('300');
    const before = Date.now();
    await dialog.getByRole('button', { name: 'Run simulation' }).click();
    const panel = page.getByRole('region', { name: 'Simulation results' });
    await panel.getByText('Seed 42').waitFor({ timeout: 60_000 });
    const year = new Date(before).getFullYear();
    expect(await panel.locator('.simulation-what').textContent()).toContain(String(year));
    const direct = await app.postcard.dispatch('engine.simulate', {
      flowId: (await currentFlowId()) ?? '',
      options: { contacts: 300, days: 7, seed: 42, startAt: new Date(Math.floor(before / 60_000) * 60_000).toISOString() },
    });
    const failedWithoutFallback = direct.ok ? (direct.value as { totals: { mmsFailedWithoutFallback: number } }).totals.mmsFailedWithoutFallback : -1;
    expect(failedWithoutFallback).toBeGreaterThan(0);
    await panel.getByRole('alert').filter({ hasText: `${failedWithoutFallback} MMS failed without falling back to SMS` }).waitFor();
    await screenshot(page, 'fields-02-simulation-now');

    // A chosen date: the run starts there.
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    await dialog.getByLabel('Start date and time').fill('2027-03-01T09:30');
    expect(await dialog.getByRole('radio', { name: 'On this date', exact: true }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Run simulation' }).click();
    await expect.poll(() => panel.locator('.simulation-what').textContent(), { timeout: 60_000 }).toContain('2027');
    await panel.getByRole('button', { name: 'Clear from canvas' }).click();
  });

  async function currentFlowId(): Promise<string | undefined> {
    const flows = await app.postcard.dispatch('flows.list', {});
    return flows.ok ? (flows.value as Array<{ id: string; name: string }>).find((f) => f.name === SAMPLE)?.id : undefined;
  }

  it('marks every example in Settings “e.g.”, so no example reads as a value already set', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Brand name').waitFor();
    await page.getByRole('button', { name: 'Add account' }).click();
    const placeholders = (await page.locator('.settings-page input[placeholder], .settings-page textarea[placeholder]').evaluateAll(
      new Function('els', 'return els.map((el) => el.getAttribute("placeholder"))') as (els: unknown[]) => string[],
    )) as string[];
    // The examples this page shows; a secret's "set … — leave blank to keep" and a default reply are not examples.
    const examples = placeholders.filter((text) => /^(\+\d|https?:|[A-Z][a-z]+ [a-z]|[A-Z][a-z]+\/[A-Z])/.test(text) || /^e\.g\. /.test(text));
    expect(examples).toEqual(expect.arrayContaining(['e.g. Acme Shoes', 'e.g. America/New_York', 'e.g. Main store', 'e.g. https://media.example.com']));
    expect(examples.filter((text) => !text.startsWith('e.g. '))).toEqual([]);
  });
});
