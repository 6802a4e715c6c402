import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings } from '../../src/shared';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';
import { CounterBuffer, finishMessage, prepareStatements } from '../../src/main/engine/store';

const chromiumPath = inject('chromiumPath');
const DAY = 86_400_000;

/** Trigger → split (MMS 45 / SMS 45 / holdout 10) → MMS or SMS with a link → exit; goal order_placed. */
const splitDocument = {
  format: FLOW_DOCUMENT_FORMAT,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  name: 'Spring launch: MMS vs SMS',
  description: '',
  settings: { ...defaultFlowSettings(), goalEvent: 'order_placed', attributionDays: 7 },
  graph: {
    nodes: [
      { id: 't', kind: 'trigger', position: { x: 0, y: 0 }, config: { type: 'manual' } },
      {
        id: 'ab',
        kind: 'split',
        position: { x: 0, y: 150 },
        label: 'Picture or text',
        config: {
          variants: [
            { id: 'vmms', label: 'MMS', weight: 45, isHoldout: false },
            { id: 'vsms', label: 'SMS', weight: 45, isHoldout: false },
            { id: 'vhold', label: 'Holdout', weight: 10, isHoldout: true },
          ],
        },
      },
      { id: 'm', kind: 'mms', position: { x: -200, y: 300 }, config: { subject: 'New', body: 'New arrivals https://shop.example/new', mediaAssetId: null, fallbackAfterHours: 0 } },
      { id: 's', kind: 'sms', position: { x: 200, y: 300 }, config: { body: 'New arrivals https://shop.example/new' } },
      { id: 'x', kind: 'exit', position: { x: 0, y: 450 }, config: { reason: '' } },
    ],
    edges: [
      { id: 'e1', source: 't', sourcePort: 'next', target: 'ab' },
      { id: 'e2', source: 'ab', sourcePort: 'vmms', target: 'm' },
      { id: 'e3', source: 'ab', sourcePort: 'vsms', target: 's' },
      { id: 'e4', source: 'm', sourcePort: 'sent', target: 'x' },
      { id: 'e5', source: 's', sourcePort: 'next', target: 'x' },
    ],
  },
};

/**
 * What a week of sending leaves in the store: contacts, the arm each split assignment chose, the
 * messages, and purchases (goal events). Written as the engine and the event intake write them;
 * everything the view shows is derived from these rows.
 */
function seedSends(app: RunningApp, flowId: string): void {
  const sqlite = app.postcard.sqlite;
  const start = Date.now() - 3 * DAY;
  const insertContact = sqlite.prepare(`INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?)`);
  const assign = sqlite.prepare(
    `INSERT INTO split_assignments (enrollment_id, split_node_id, flow_id, variant_id, is_holdout, contact_id, assigned_at) VALUES (?, 'ab', ?, ?, ?, ?, ?)`,
  );
  // Messages through the engine's own statements: sent, then delivered by a receipt.
  const statements = prepareStatements(sqlite);
  const counters = new CounterBuffer();
  const message = (key: string, node: string, contact: number, channel: 'sms' | 'mms', at: number): void => {
    const id = Number(
      statements.insertSentMessage.run(key, null, flowId, null, node, contact, channel, 'New arrivals https://pcrd.link/l/abcdefghij', null, null, 1, 'simulator', `pm-${key}`, at, at, at)
        .lastInsertRowid,
    );
    finishMessage(statements, id, 'delivered', null, null, null, at + 30_000);
  };
  const order = sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at, processed_at) VALUES (?, 'order_placed', '{"value": 40}', ?, ?)`);
  sqlite.transaction(() => {
    for (let i = 0; i < 2000; i++) {
      const contact = Number(insertContact.run(`+1415555${String(i).padStart(4, '0')}`, start, start).lastInsertRowid);
      const arm = i % 20 < 9 ? 'vmms' : i % 20 < 18 ? 'vsms' : 'vhold';
      const at = start + i * 60_000;
      assign.run(i + 1, flowId, arm, arm === 'vhold' ? 1 : 0, contact, at);
      if (arm !== 'vhold') message(`seed-${i}`, arm === 'vmms' ? 'm' : 's', contact, arm === 'vmms' ? 'mms' : 'sms', at);
      // Buyers: MMS 100 of 900, SMS 50 of 900, holdout 20 of 200.
      const buys = arm === 'vmms' ? i % 10 === 0 : arm === 'vsms' ? i % 40 === 10 : i % 100 === 18;
      if (buys) order.run(contact, at + 3_600_000, at + 3_600_000);
    }
    counters.flush(statements);
  })();
}

describe.skipIf(!chromiumPath)('flow analytics in the browser', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('opens Analytics from the flow, reads the split verdict, compares MMS with SMS, simulates a forecast and exports CSV', async () => {
    const imported = (await app.postcard.dispatch('flows.import', { document: splitDocument })) as { ok: true; value: { id: string } };
    expect(imported.ok).toBe(true);
    const flowId = imported.value.id;
    seedSends(app, flowId);

    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Spring launch: MMS vs SMS' }).click();
    // On the canvas, a dry-run draws its clicks and conversions on the message cards.
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
    await dialog.getByRole('button', { name: 'Run simulation' }).click({ timeout: 60_000 });
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    const engagement = canvasNode(page, /^MMS step/).getByRole('group', { name: 'Simulated engagement' });
    await expect.poll(() => engagement.textContent(), { timeout: 60_000 }).toMatch(/^[\d,]+ clicks[\d,]+ conversions$/);

    await page.getByRole('link', { name: 'Analytics of this flow' }).click();
    await page.getByRole('heading', { name: 'Analytics: Spring launch: MMS vs SMS' }).waitFor();

    const totals = page.getByRole('region', { name: 'Analytics' }).getByLabel('Totals');
    await expect.poll(() => totals.textContent()).toContain('Sent1,800');

    // The daily figures as charts (recharts, loaded with the view): one line per series.
    await expect.poll(() => page.getByRole('figure', { name: 'Messages per day' }).locator('path.recharts-line-curve').count()).toBe(3);

    // Against the holdout first (the default control when a split has one).
    const verdict = page.getByRole('region', { name: 'Split Picture or text' }).getByLabel('Verdict');
    await expect.poll(() => verdict.textContent()).toMatch(/^MMS converts [\d.]+× Holdout, 95 % interval [\d.]+–[\d.]+×; \d+ % likely better\./);
    // One click: MMS against SMS.
    await page.getByRole('button', { name: 'MMS vs SMS' }).click();
    await expect.poll(() => verdict.textContent()).toMatch(/^MMS converts 2\.0× SMS, 95 % interval 1\.[3-5]–2\.[7-9]×; >99 % likely better\./);
    await screenshot(page, 'analytics-split');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export messages (CSV)' }).click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8').split('\r\n');
    expect(csv[0]).toBe('message_id,created_at,accepted_at,finished_at,node_id,channel,status,reason,segments,phone,clicks,conversions,revenue');
    expect(csv.filter((line) => line !== '').length).toBe(1 + 1800);
    expect(csv.filter((line) => /,m,mms,delivered,/.test(line) && /,0,1,40(\.0)? USD$/.test(line)).length).toBe(100);

    // A forecast: the draft simulated with the simulator's clicks and purchases.
    // The dry-run runs in this test's own process (the host is in-process), so the click's answer may wait for it.
    await page.getByRole('button', { name: 'Simulate a forecast' }).click({ timeout: 60_000 });
    const forecast = page.getByRole('region', { name: 'Forecast' }).getByLabel('Forecast verdict for ab');
    await expect.poll(() => forecast.textContent(), { timeout: 60_000 }).toMatch(/^MMS converts [\d.]+× Holdout/);
    const [forecastDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export forecast (CSV)' }).click()]);
    const forecastCsv = readFileSync((await forecastDownload.path()) as string, 'utf8');
    expect(forecastCsv.split('\r\n')[0]).toBe('nodeId,sent,clicks,conversions,revenue,cost');
    expect(forecastCsv).toMatch(/\r\nm,\d+,\d+,\d+,/);

    // The workspace overview lists the flow with its figures.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Analytics' }).click();
    const row = page.getByRole('table', { name: 'Flows' }).getByRole('row', { name: /Spring launch: MMS vs SMS/ });
    await expect.poll(() => row.textContent()).toMatch(/^Spring launch: MMS vs SMS1,8001,8000150/);
  });
});
