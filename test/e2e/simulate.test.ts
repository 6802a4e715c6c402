import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import type { SimulationResult } from '../../src/shared/engine/types';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings } from '../../src/shared';
import { edge, graph, node } from '../support/graphs';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';
/** The start the comparisons use, in the local zone the browser and this process share. */
const FIXED_START_LOCAL = '2026-01-05T15:00';
const FIXED_START = new Date(FIXED_START_LOCAL).toISOString();

/** The figures on one card's overlay, e.g. { entered: 495, sent: 475, 'fell back': 43 }. */
async function countsOn(node: Locator, source: 'Simulated' | 'Live'): Promise<Record<string, number>> {
  const items = await node.getByRole('group', { name: `${source} counts` }).getByRole('listitem').allTextContents();
  const counts: Record<string, number> = {};
  for (const text of items) {
    const match = /^([\d,]+)\s+(.+)$/.exec(text.trim());
    if (!match?.[1] || !match[2]) throw new Error(`unreadable count "${text}"`);
    counts[match[2]] = Number(match[1].replace(/,/g, ''));
  }
  return counts;
}

async function fillNumber(scope: Locator, label: string, value: number): Promise<void> {
  await scope.getByLabel(label, { exact: true }).fill(String(value));
}

async function runFromDialog(page: Page, options?: { contacts: number; days: number; seed: number }): Promise<void> {
  await page.getByRole('button', { name: 'Simulate', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
  if (options) {
    await fillNumber(dialog, 'How many', options.contacts);
    await fillNumber(dialog, 'Horizon', options.days);
    await fillNumber(dialog, 'Seed', options.seed);
    // A fixed start, so the run can be compared with engine.simulate (the dialog starts now by default).
    await dialog.getByLabel('Start date and time').fill(FIXED_START_LOCAL);
  }
  await dialog.getByRole('button', { name: 'Run simulation' }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe.skipIf(!chromiumPath)('simulating the sample flow from the editor', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('draws the dry-run counts on the cards, equal to engine.simulate for the same input, and again for the same seed', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    const mms = canvasNode(page, 'MMS step: Your cart MMS');
    const sms = canvasNode(page, 'SMS step: Fallback SMS');
    const trigger = canvasNode(page, 'Trigger step: Cart abandoned');
    const done = canvasNode(page, 'Exit step: Done');
    await mms.waitFor();
    // A draft has no live figures: nothing on the cards before a simulation.
    await expect.poll(() => mms.getByRole('group', { name: /counts$/ }).count()).toBe(0);

    // ---- the options dialog offers the flow's own events and editable unit prices
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
    const purchased = dialog.getByRole('group', { name: 'Event purchased' });
    await expect.poll(() => purchased.getByLabel('Chance', { exact: true }).inputValue()).toBe('20');
    await expect.poll(() => dialog.getByLabel('SMS, per segment', { exact: true }).inputValue()).toBe('0.0079');
    await expect.poll(() => dialog.getByLabel('MMS, per message', { exact: true }).inputValue()).toBe('0.02');
    // A bad value is named, and nothing runs.
    await fillNumber(dialog, 'Horizon', 0);
    await dialog.getByRole('button', { name: 'Run simulation' }).click();
    await dialog.getByText('The horizon must be from 0.01 to 90').waitFor();
    await screenshot(page, 'simulate-01-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await runFromDialog(page, { contacts: 500, days: 3, seed: 42 });
    const panel = page.getByRole('region', { name: 'Simulation results' });
    await panel.getByText('Seed 42').waitFor();
    await mms.getByRole('group', { name: 'Simulated counts' }).waitFor();

    // ---- the same input straight through the API (the UI's defaults are the engine's defaults)
    const flows = await app.postcard.dispatch('flows.list', {});
    const flowId = flows.ok ? (flows.value as Array<{ id: string; name: string }>).find((f) => f.name === SAMPLE)?.id : undefined;
    const direct = await app.postcard.dispatch('engine.simulate', { flowId, options: { contacts: 500, days: 3, seed: 42, startAt: FIXED_START } });
    if (!direct.ok) throw new Error(`engine.simulate: ${direct.error.code}`);
    const expected = direct.value as SimulationResult;
    const m = expected.nodeCounts.mms_cart;
    const s = expected.nodeCounts.sms_cart;
    if (!m || !s) throw new Error('the sample has no mms_cart/sms_cart nodes');
    expect(m.fellBack).toBeGreaterThan(0);

    const onMms = await countsOn(mms, 'Simulated');
    expect(onMms).toMatchObject({ entered: m.entered, sent: m.sent, delivered: m.delivered, failed: m.failed, 'fell back': m.fellBack });
    expect(await countsOn(sms, 'Simulated')).toMatchObject({ entered: s.entered, sent: s.sent, delivered: s.delivered });
    expect(await countsOn(trigger, 'Simulated')).toMatchObject({ entered: 500 });
    expect(await countsOn(done, 'Simulated')).toMatchObject({ exited: expected.nodeCounts.exit_done?.exited });

    // ---- the results panel: channels, fallback, deferrals, cost
    const total = (term: string): Locator => panel.locator('.simulation-total').filter({ has: page.getByRole('term').filter({ hasText: term }) }).getByRole('definition');
    expect(await total('MMS sent').textContent()).toBe(String(expected.totals.messagesByChannel.mms));
    expect(await total('SMS sent').textContent()).toContain(String(expected.totals.messagesByChannel.sms));
    expect(await total('Quiet-hours deferrals').textContent()).toContain(String(expected.totals.quietHoursDeferrals));
    expect(await total('Opt-outs').textContent()).toBe(String(expected.totals.optOuts));
    expect(await total('Total').textContent()).toBe(`$${expected.cost.total.toFixed(2)}`);
    await screenshot(page, 'simulate-02-counts-on-canvas');

    // ---- a sample journey, in the contact's own zone
    const first = expected.sampleTimelines[0];
    if (!first) throw new Error('no sample timeline');
    await panel.getByText(first.contact.phone).click();
    const journey = panel.getByRole('list', { name: `Journey of ${first.contact.phone}` });
    await journey.getByText('“Your cart MMS”', { exact: false }).first().waitFor();
    await screenshot(page, 'simulate-03-sample-journey');

    // ---- hiding the panel keeps the figures on the cards; Results brings it back
    await panel.getByRole('button', { name: 'Hide simulation results' }).click();
    await panel.waitFor({ state: 'detached' });
    expect(await countsOn(mms, 'Simulated')).toEqual(onMms);
    await page.getByRole('button', { name: 'Results', exact: true }).click();
    await panel.getByText('Seed 42').waitFor();

    // ---- clear, then run again from the remembered options: the very same figures
    await panel.getByRole('button', { name: 'Clear from canvas' }).click();
    await mms.getByRole('group', { name: 'Simulated counts' }).waitFor({ state: 'detached' });
    await runFromDialog(page);
    await mms.getByRole('group', { name: 'Simulated counts' }).waitFor();
    expect(await countsOn(mms, 'Simulated')).toEqual(onMms);

    // ---- a different seed gives a different run (so the equality above means something)
    await runFromDialog(page, { contacts: 500, days: 3, seed: 7 });
    await panel.getByText('Seed 7').waitFor();
    await expect.poll(async () => JSON.stringify(await countsOn(mms, 'Simulated'))).not.toBe(JSON.stringify(onMms));

    // The dry-run left no trace in the live database.
    const live = await app.postcard.dispatch('engine.nodeCounts', { flowId });
    expect(live.ok && (live.value as { nodes: Record<string, { entered: number }> }).nodes.mms_cart?.entered).toBe(0);
    expect(Number(app.postcard.sqlite.prepare('SELECT count(*) FROM messages').pluck().get())).toBe(0);
  });

  it('shows the progress of a long run and cancels it with the Cancel button', async () => {
    const { page } = browser;
    // A daily text for two months: minutes of work for 20,000 contacts.
    const daily = {
      format: FLOW_DOCUMENT_FORMAT,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      name: 'Daily deal',
      description: '',
      settings: defaultFlowSettings(),
      graph: graph(
        [node('t', 'trigger', { type: 'manual' }), node('w', 'wait', { type: 'duration', amount: 1, unit: 'days' }), node('s', 'sms', { body: 'Deal of the day' }, 'Daily text')],
        [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'w')],
      ),
    };
    const imported = await app.postcard.dispatch('flows.import', { document: daily }, { transport: 'ipc' });
    expect(imported.ok).toBe(true);
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Daily deal' }).click();
    await canvasNode(page, 'SMS step: Daily text').waitFor();
    await runFromDialog(page, { contacts: 20_000, days: 60, seed: 1 });
    const panel = page.getByRole('region', { name: 'Simulation results' });
    const bar = panel.getByRole('progressbar', { name: 'Simulation progress' });
    await bar.waitFor();
    // The run reports how far it has come.
    await expect.poll(async () => Number(await bar.getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await panel.getByTestId('simulation-progress').textContent()).toMatch(/^\d+(\.\d)?%$/);
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await panel.getByText('The simulation was cancelled.').waitFor();
    await bar.waitFor({ state: 'detached' });
    await screenshot(page, 'simulation-cancelled');
  });
});
