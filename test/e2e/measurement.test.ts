import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { AutoWinner } from '../../src/main/analytics/autoWinner';
import { recordClick } from '../../src/main/analytics/links';
import { compileFlow } from '../../src/main/engine/flow';
import { boxesOverlap, canvasNode, screenshot, type OpenBrowser, useAppInBrowser, zoomToFullCard } from './browser';
import type { RunningApp } from './harness';
import { seedOlderSends, seedSends, splitDocument } from './analyticsSeed';

const chromiumPath = inject('chromiumPath');

type Box = { x: number; y: number; width: number; height: number };

/** The box of every other step on the canvas. */
async function otherSteps(page: Page, own: Locator): Promise<Box[]> {
  const ownId = await own.getAttribute('data-id');
  const boxes: Box[] = [];
  for (const step of await page.locator('.react-flow__node').all()) {
    if ((await step.getAttribute('data-id')) === ownId) continue;
    const box = await step.boundingBox();
    if (box) boxes.push(box);
  }
  return boxes;
}

describe.skipIf(!chromiumPath)('measurement on the canvas', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('shows each step’s figures with "Analytics on steps", inside its own card, and sets up an auto-winner in the split inspector', async () => {
    const imported = (await app.postcard.dispatch('flows.import', { document: splitDocument })) as { ok: true; value: { id: string } };
    const flowId = imported.value.id;
    seedSends(app, flowId);
    // 30 people tapped the SMS's link (and a preview bot fetched one, which is not a click).
    const sqlite = app.postcard.sqlite;
    const sms = sqlite.prepare(`SELECT id, contact_id, created_at FROM messages WHERE flow_id = ? AND node_id = 's' ORDER BY id LIMIT 30`).all(flowId) as Array<{ id: number; contact_id: number; created_at: number }>;
    for (const m of sms) recordClick(sqlite, { code: null, messageId: m.id, contactId: m.contact_id, flowId, nodeId: 's', userAgent: 'Mozilla/5.0 (iPhone)', at: m.created_at + 60_000 });
    recordClick(sqlite, { code: null, messageId: sms[0]!.id, contactId: sms[0]!.contact_id, flowId, nodeId: 's', userAgent: 'facebookexternalhit/1.1', at: sms[0]!.created_at + 1_000 });
    // Sixty more SMS forty days ago: outside the Analytics view's default range (30 days).
    seedOlderSends(app, flowId, 60, 40);

    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Spring launch: MMS vs SMS' }).click();
    const smsStep = canvasNode(page, /^SMS step/);
    await zoomToFullCard(page, smsStep);

    const toggle = page.getByRole('button', { name: 'Analytics on steps' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');

    // SMS arm over the last 30 days: 900 sent and delivered, none failed, 30 people clicked, 50 bought for 40 USD each; its cost and ROI.
    const smsBadge = smsStep.getByRole('group', { name: 'Step analytics' });
    const figures = (badge: Locator) => badge.getByRole('listitem').allTextContents();
    await expect.poll(() => figures(smsBadge), { timeout: 30_000 }).toEqual([
      '900 sent',
      '900 deliv.',
      '0 failed',
      '30 clicks',
      '0 opt-out',
      '0 replies',
      '50 conv.',
      '2K USD',
      expect.stringMatching(/^[\d.]+ cost$/),
      expect.stringMatching(/^[\d.K]+% ROI$/),
    ]);
    expect(await smsBadge.textContent()).toMatch(/^30 days900 sent/);
    // The MMS step also says how many fell back to SMS (none: the seed's phones all took MMS).
    const mmsBadge = canvasNode(page, /^MMS step/).getByRole('group', { name: 'Step analytics' });
    await screenshot(page, 'measurement-steps');
    // Every figure is in sight: the badge holds them all without clipping one.
    for (const badge of [smsBadge, mmsBadge]) {
      const inner = (await badge.boundingBox()) as Box;
      for (const item of await badge.getByRole('listitem').all()) {
        const box = (await item.boundingBox()) as Box;
        const fits = box.x >= inner.x - 0.5 && box.x + box.width <= inner.x + inner.width + 0.5 && box.y + box.height <= inner.y + inner.height + 0.5;
        expect({ item: await item.textContent(), fits }).toEqual({ item: await item.textContent(), fits: true });
      }
    }
    await expect.poll(() => figures(mmsBadge)).toEqual(['900 sent', '900 deliv.', '0 failed', '0 → SMS', '0 clicks', '0 opt-out', '0 replies', '100 conv.', '4K USD', expect.stringMatching(/ cost$/), expect.stringMatching(/% ROI$/)]);
    // The split: per variant, conversions of contacts.
    const splitStep = canvasNode(page, /^A\/B split step/);
    const splitBadge = splitStep.getByRole('group', { name: 'Step analytics' });
    await expect.poll(() => splitBadge.textContent()).toBe('ConvertedMMS 100/900SMS 50/900Holdout 20/200');

    // Each badge stays inside its own card and touches no other step.
    for (const [step, badge] of [
      [smsStep, smsBadge],
      [splitStep, splitBadge],
    ] as const) {
      // The step's group is React Flow's node element: the card and all it holds.
      const box = (await badge.boundingBox()) as Box;
      const card = (await step.boundingBox()) as Box;
      expect(box.x >= card.x && box.y >= card.y && box.x + box.width <= card.x + card.width + 0.5 && box.y + box.height <= card.y + card.height + 0.5).toBe(true);
      const others = await otherSteps(page, step);
      expect(others.length).toBe(4);
      expect(others.filter((other) => boxesOverlap(box, other))).toEqual([]);
    }

    // The range chosen in the Analytics view is the canvas's too: over 90 days the older sends count.
    await page.getByRole('link', { name: 'Analytics of this flow' }).click();
    await page.getByLabel('Time range').selectOption('90');
    await page.getByRole('link', { name: 'Back to the flow' }).click();
    await zoomToFullCard(page, smsStep);
    await toggle.click();
    await expect.poll(() => smsBadge.textContent(), { timeout: 30_000 }).toMatch(/^90 days960 sent960 deliv\.0 failed30 clicks/);
    await screenshot(page, 'measurement-steps-90-days');

    await toggle.click();
    await smsBadge.waitFor({ state: 'detached' });

    // The split's auto-winner: a too-small sample is refused with a reason, a sound one is saved.
    await splitStep.click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByLabel('Pick a winner automatically').selectOption('sends');
    const sends = inspector.getByLabel('Sends per variant');
    await sends.fill('10');
    await sends.press('Tab');
    await expect.poll(() => page.getByText(/at least 30 are needed for a fair comparison/).count()).toBeGreaterThan(0);
    await sends.fill('1000');
    await sends.press('Tab');
    await inspector.getByLabel('Judge the variants on').selectOption('click');
    await expect.poll(() => page.getByText(/at least 30 are needed/).count()).toBe(0);
    await screenshot(page, 'measurement-auto-winner');
    await expect
      .poll(async () => {
        const flow = (await app.postcard.dispatch('flows.get', { id: flowId })) as { ok: true; value: { graph: { nodes: Array<{ id: string; config: { autoWinner?: unknown } }> } } };
        return flow.value.graph.nodes.find((n) => n.id === 'ab')?.config.autoWinner;
      })
      .toEqual({ when: 'sends', sendsPerVariant: 1000, date: '', metric: 'click' });
  });

  it('shows the auto-winner\'s decision on the split and in the version history', async () => {
    const document = structuredClone(splitDocument);
    const split = document.graph.nodes.find((n) => n.id === 'ab') as { config: Record<string, unknown> };
    split.config.autoWinner = { when: 'sends', sendsPerVariant: 500, date: '', metric: 'conversion' };
    const imported = (await app.postcard.dispatch('flows.import', { document, name: 'Summer: picture or text' })) as { ok: true; value: { id: string } };
    const flowId = imported.value.id;
    seedSends(app, flowId, '646');
    const published = (await app.postcard.dispatch('flows.publish', { id: flowId })) as { ok: boolean };
    expect(published.ok).toBe(true);
    // The engine's own auto-winner, as its tick runs it on the live version.
    const sqlite = app.postcard.sqlite;
    const version = sqlite.prepare('SELECT id, version, document_json FROM flow_versions WHERE flow_id = ?').get(flowId) as { id: string; version: number; document_json: string };
    const live = compileFlow({ flowId, versionId: version.id, version: version.version }, JSON.parse(version.document_json));
    new AutoWinner(sqlite).evaluate([live], Date.now(), (write) => sqlite.transaction(write)());

    const { page } = browser;
    await page.goto(app.host.url);
    await page.goto(`${app.host.url.split('#')[0]}#/flows/${flowId}/analytics`);
    const decision = page.getByRole('status', { name: 'Auto-winner of Picture or text' });
    await expect.poll(() => decision.textContent(), { timeout: 30_000 }).toMatch(/^Auto-winner: MMS won on conversions, (9\d|>99) % likely best, after 500 sends per variant$/);
    const history = page.getByRole('region', { name: 'Version history' });
    await expect.poll(() => history.getByRole('listitem').count()).toBe(2);
    expect(await history.getByRole('listitem').first().textContent()).toMatch(/^Version 2 .+ — Auto-winner: MMS won on conversions/);
    expect(await history.getByRole('listitem').nth(1).textContent()).toMatch(/^Version 1 .+ — Published$/);
    await decision.scrollIntoViewIfNeeded();
    await screenshot(page, 'measurement-history');
  });
});
