import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/shared/analytics/attribution';
import { backfillAssignments } from '../../src/main/analytics/assignments';
import { rebuildAnalytics, refreshAnalytics } from '../../src/main/analytics/derive';
import { recordClick } from '../../src/main/analytics/links';
import { AnalyticsService } from '../../src/main/analytics/service';
import { createHarness, flowDocument, HOUR, T0, type Harness } from './engineHarness';
import { edge, graph, node } from '../support/graphs';
import type { SimulatorConfig } from '../../src/shared/engine/simulation';

const range = { from: new Date(T0 - 2 * DAY_MS).toISOString(), to: new Date(T0 + 40 * DAY_MS).toISOString() };

/** trigger(cart) → sms → exit; goal order_placed within 5 days. */
function smsFlow(simulator: Partial<SimulatorConfig> = {}): Harness {
  return createHarness(
    flowDocument(
      graph(
        [node('t', 'trigger', { type: 'event', event: 'cart', filters: [] }), node('s', 'sms', { body: 'Your cart misses you https://shop.example/cart' }), node('x', 'exit')],
        [edge('t', 'next', 's'), edge('s', 'next', 'x')],
      ),
      { goalEvent: 'order_placed', attributionDays: 5, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
    ),
    { simulator },
  );
}

/** A split: MMS arm, SMS arm and a holdout. */
function splitFlow(): Harness {
  return createHarness(
    flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'cart', filters: [] }),
          node('ab', 'split', {
            variants: [
              { id: 'vmms', label: 'MMS', weight: 40, isHoldout: false },
              { id: 'vsms', label: 'SMS', weight: 40, isHoldout: false },
              { id: 'vhold', label: 'Holdout', weight: 20, isHoldout: true },
            ],
          }),
          node('m', 'mms', { body: 'Picture', subject: '', mediaAssetId: null, fallbackAfterHours: 0 }),
          node('s', 'sms', { body: 'Text' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'ab'), edge('ab', 'vmms', 'm'), edge('ab', 'vsms', 's'), edge('m', 'sent', 'x'), edge('s', 'next', 'x')],
      ),
      { goalEvent: 'order_placed', attributionDays: 7, quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
    ),
  );
}

let h: Harness | undefined;
afterEach(() => h?.close());

async function sendTo(harness: Harness, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = harness.addContact(`+1415555${String(1000 + i).padStart(4, '0')}`);
    harness.event(id, 'cart', T0);
    ids.push(id);
  }
  await harness.runUntil(T0 + 2 * HOUR);
  return ids;
}

describe('derived analytics', () => {
  it('counts a late receipt once and a duplicate receipt not again, the same as a rebuild', async () => {
    // Receipts take nine days here: the messages stay 'sent' until then.
    h = smsFlow({ latencyMs: { min: 9 * DAY_MS, max: 9 * DAY_MS } });
    const service = new AnalyticsService(h.sqlite);
    const [a, b] = await sendTo(h, 2);
    const first = service.flow('flow1', range).totals;
    expect(first).toMatchObject({ queued: 2, sent: 2, delivered: 0, failed: 0 });

    // A late receipt, through the engine's receipt path: its bucket is the day the message was created.
    const message = h.messages(a)[0] as unknown as { id: number; provider_message_id: string };
    const receipt = { providerMessageId: message.provider_message_id, state: 'undelivered' as const, code: '30003', errorClass: 'permanent' as const, detail: 'Unknown destination handset', at: T0 + 8 * DAY_MS };
    h.runtime.applyProviderEvents([receipt], []);
    const late = service.flow('flow1', range);
    expect(late.totals).toMatchObject({ sent: 2, delivered: 0, failed: 1 });
    expect(late.failuresByReason).toEqual([{ reason: '30003', count: 1 }]);

    // The same receipt again changes nothing.
    h.runtime.applyProviderEvents([receipt], []);
    expect(service.flow('flow1', range).totals).toEqual(late.totals);

    // The simulator's own receipts arrive: the other message is delivered, the failed one stays failed.
    await h.runUntil(T0 + 10 * DAY_MS);
    const settled = service.flow('flow1', range).totals;
    expect(settled).toMatchObject({ sent: 2, delivered: 1, failed: 1 });
    rebuildAnalytics(h.sqlite);
    expect(service.flow('flow1', range).totals).toEqual(settled);
    expect(b).toBeGreaterThan(0);
  });

  it('credits a conversion inside the window to the message, one past its edge to none, and counts revenue per currency', async () => {
    h = smsFlow();
    const service = new AnalyticsService(h.sqlite);
    const [a, b, c] = await sendTo(h, 3);
    const sentAt = (h.messages(a)[0] as { accepted_at: number }).accepted_at;
    h.event(a as number, 'order_placed', sentAt + 5 * DAY_MS, { value: 40, currency: 'USD' });
    h.event(b as number, 'order_placed', (h.messages(b)[0] as { accepted_at: number }).accepted_at + 5 * DAY_MS + 1, { value: 25 });
    h.event(c as number, 'order_placed', sentAt + HOUR, { value: '10.5', currency: 'EUR' });
    const view = service.flow('flow1', range);
    expect(view.totals.conversions).toBe(2);
    expect(view.totals.revenueByCurrency).toEqual({ USD: 40, EUR: 10.5 });
    expect(view.totals.revenue).toBeNull();
    expect(view.totals.revenueProblem).toBe('Revenue is in EUR and USD; add an exchange rate to USD for EUR to combine them.');
    expect(view.byNode.s?.conversions).toBe(2);

    const workspace = service.workspace(range);
    expect(workspace.conversionsWithoutMessage).toBe(1);

    service.saveSettings({ ...service.settings(), exchangeRates: { EUR: 1.1 } });
    const converted = service.flow('flow1', range).totals;
    expect(converted.revenue).toBeCloseTo(40 + 10.5 * 1.1, 6);
    expect(converted.roi).toBeGreaterThan(100);
  });

  it('moves credit back to the earlier message when the later one turns out undelivered', async () => {
    h = smsFlow();
    const service = new AnalyticsService(h.sqlite);
    const [a] = await sendTo(h, 1);
    const first = h.messages(a)[0] as { id: number; accepted_at: number };
    // A second message from the same flow, sent a day later by hand (as a re-entry would).
    h.sqlite
      .prepare(
        `INSERT INTO messages (idempotency_key, flow_id, node_id, contact_id, channel, body, provider, status, provider_message_id, created_at, accepted_at, updated_at)
         VALUES ('later', 'flow1', 's', ?, 'sms', 'again', 'simulator', 'sent', 'later-at-provider', ?, ?, ?)`,
      )
      .run(a, first.accepted_at + DAY_MS, first.accepted_at + DAY_MS, first.accepted_at + DAY_MS);
    h.event(a as number, 'order_placed', first.accepted_at + 2 * DAY_MS, { value: 5 });
    service.refresh();
    const credited = () => h?.sqlite.prepare('SELECT message_id FROM conversions').pluck().get();
    expect(credited()).not.toBe(first.id);
    // Its receipt says it never reached the phone.
    h.runtime.applyProviderEvents(
      [{ providerMessageId: 'later-at-provider', state: 'undelivered', code: '30005', errorClass: 'permanent', detail: 'Unknown destination handset', at: first.accepted_at + 3 * DAY_MS }],
      [],
    );
    service.refresh();
    expect(credited()).toBe(first.id);
  });

  it('counts a preview bot’s fetch apart from clicks, and a second click as not unique', async () => {
    h = smsFlow();
    const service = new AnalyticsService(h.sqlite);
    const [a] = await sendTo(h, 1);
    const message = h.messages(a)[0] as { id: number; accepted_at: number };
    const click = { code: null, messageId: message.id, contactId: a as number, flowId: 'flow1', nodeId: 's' };
    recordClick(h.sqlite, { ...click, userAgent: 'facebookexternalhit/1.1 Facebot Twitterbot/1.0', at: message.accepted_at + 1000 });
    recordClick(h.sqlite, { ...click, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)', at: message.accepted_at + 60_000 });
    recordClick(h.sqlite, { ...click, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)', at: message.accepted_at + 120_000 });
    const totals = service.flow('flow1', range).totals;
    expect(totals).toMatchObject({ clicks: 2, uniqueClicks: 1, previewFetches: 1 });
  });

  it('sends tracked links from the engine, counting segments on the short body', async () => {
    h = smsFlow();
    const [a] = await sendTo(h, 1);
    const message = h.sqlite.prepare('SELECT body, segments, idempotency_key FROM messages WHERE contact_id = ?').get(a) as { body: string; segments: number; idempotency_key: string };
    expect(message.body).toMatch(/^Your cart misses you https:\/\/pcrd\.link\/l\/[0-9A-Za-z]{10}$/);
    expect(message.segments).toBe(1);
    const link = h.sqlite.prepare('SELECT destination, contact_id FROM link_codes WHERE idempotency_key = ?').get(message.idempotency_key);
    expect(link).toEqual({ destination: 'https://shop.example/cart?utm_source=postcard&utm_medium=sms&utm_content=s', contact_id: a });
  });

  it('counts a text that is not a keyword as a reply to the message before it', async () => {
    h = smsFlow();
    const service = new AnalyticsService(h.sqlite);
    const [a] = await sendTo(h, 1);
    const message = h.messages(a)[0] as { accepted_at: number };
    h.event(a as number, 'message_received', message.accepted_at + HOUR, { body: 'Is the blue one still there?' });
    expect(service.flow('flow1', range).byNode.s?.replies).toBe(1);
  });

  it('traces an opt-out to the message before it and shows its words', async () => {
    h = smsFlow();
    const service = new AnalyticsService(h.sqlite);
    const [a] = await sendTo(h, 1);
    const message = h.messages(a)[0] as { accepted_at: number };
    h.sqlite
      .prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, keyword, occurred_at) VALUES (?, 'opt_out', 'all', 'inbound', 'STOP', ?)`)
      .run(a, message.accepted_at + HOUR);
    const view = service.flow('flow1', range);
    expect(view.totals.optOuts).toBe(1);
    expect(view.optOutCauses).toEqual([{ nodeId: 's', optOuts: 1, body: 'Your cart misses you https://shop.example/cart' }]);
  });
});

describe('fell back to SMS', () => {
  it('counts the contacts whose MMS fell back in the chosen range only', async () => {
    // trigger(cart) → MMS, falling back to an SMS step → exit.
    h = createHarness(
      flowDocument(
        graph(
          [
            node('t', 'trigger', { type: 'event', event: 'cart', filters: [] }),
            node('m', 'mms', { body: 'Picture', subject: '', mediaAssetId: null, fallbackAfterHours: 0 }),
            node('f', 'sms', { body: 'Text instead' }),
            node('x', 'exit'),
          ],
          [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'f'), edge('f', 'next', 'x')],
        ),
        { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
      ),
    );
    // Three phones that cannot take MMS in the first week, two more ten days later, and two that take it.
    const phones = (from: number, count: number, mms: 'yes' | 'no') => Array.from({ length: count }, (_, i) => h!.addContact(`+1415555${from + i}`, { mms }));
    for (const id of [...phones(1000, 3, 'no'), ...phones(2000, 2, 'yes')]) h.event(id, 'cart', T0);
    await h.runUntil(T0 + 2 * HOUR);
    h.clock.set(T0 + 10 * DAY_MS);
    for (const id of phones(3000, 2, 'no')) h.event(id, 'cart', T0 + 10 * DAY_MS);
    await h.runUntil(T0 + 10 * DAY_MS + 2 * HOUR);

    const service = new AnalyticsService(h.sqlite);
    const week = (start: number) => ({ from: new Date(start).toISOString(), to: new Date(start + 7 * DAY_MS).toISOString() });
    const first = service.flow('flow1', week(T0 - HOUR));
    const second = service.flow('flow1', week(T0 + 7 * DAY_MS));
    expect(first.byNode.m?.fellBack).toBe(3);
    expect(first.totals.fellBack).toBe(3);
    expect(second.byNode.m?.fellBack).toBe(2);
    expect(second.totals.fellBack).toBe(2);
    // Over both, the same as the engine's running total.
    const both = service.flow('flow1', range);
    expect(both.totals.fellBack).toBe(5);
    expect(h.sqlite.prepare(`SELECT value FROM node_counters WHERE flow_id = 'flow1' AND node_id = 'm' AND metric = 'fellBack'`).pluck().get()).toBe(5);
  });
});

describe('split statistics from a real run', () => {
  it('counts every contact in its arm, converts within the window after assignment, and gives a verdict', async () => {
    h = splitFlow();
    const ids = await sendTo(h, 120);
    // The engine recorded each arm as the split chose it; recovering them from the trails finds none missing.
    expect(h.sqlite.prepare('SELECT count(*) FROM split_assignments').pluck().get()).toBe(120);
    expect(backfillAssignments(h.sqlite, 'flow1')).toBe(0);
    h.sqlite.prepare(`DELETE FROM split_assignments WHERE variant_id = 'vhold'`).run();
    const holdouts = backfillAssignments(h.sqlite, 'flow1');
    expect(holdouts).toBeGreaterThan(10);
    expect(h.sqlite.prepare('SELECT count(*) FROM split_assignments').pluck().get()).toBe(120);
    const arms = new Map(
      (h.sqlite.prepare('SELECT contact_id, variant_id, assigned_at FROM split_assignments').all() as Array<{ contact_id: number; variant_id: string; assigned_at: number }>).map(
        (r) => [r.contact_id, r],
      ),
    );
    // Half of the MMS arm buys, a tenth of the rest; one buyer buys again (still one conversion).
    let expectedMms = 0;
    for (const [i, id] of ids.entries()) {
      const arm = arms.get(id) as { variant_id: string; assigned_at: number };
      const buys = arm.variant_id === 'vmms' ? i % 2 === 0 : i % 10 === 0;
      if (buys) {
        h.event(id, 'order_placed', arm.assigned_at + DAY_MS, { value: 20 });
        if (arm.variant_id === 'vmms') expectedMms++;
      }
    }
    h.event(ids[0] as number, 'order_placed', (arms.get(ids[0] as number) as { assigned_at: number }).assigned_at + 2 * DAY_MS, { value: 20 });
    const service = new AnalyticsService(h.sqlite);
    const split = service.split({ flowId: 'flow1', splitNodeId: 'ab', range, minimumDetectableEffect: 0.2 });
    expect(split.arms.reduce((sum, arm) => sum + arm.contacts, 0)).toBe(120);
    const mms = split.arms.find((arm) => arm.id === 'vmms');
    expect(mms?.conversions).toBe(expectedMms);
    expect(mms?.channel).toBe('mms');
    expect(split.controlId).toBe('vhold');
    expect(split.comparisons).toEqual({ holdoutId: 'vhold', smsArmId: 'vsms', mmsArmId: 'vmms' });
    expect(split.verdict).toMatch(/^MMS converts [\d.]+× Holdout/);
    expect(mms?.metrics.sent).toBe(mms?.contacts);
    // Each arm's rates with their intervals: every MMS was delivered; the holdout was sent nothing, so it has no delivery rate.
    expect(mms?.rates.delivery.rate).toBe(1);
    expect(mms?.rates.delivery.low).toBeGreaterThan(0.9);
    expect(mms?.rates.conversion).toEqual(mms?.estimate);
    expect(mms?.rates.conversion.rate).toBeCloseTo(expectedMms / (mms?.contacts ?? 1), 10);
    const holdout = split.arms.find((arm) => arm.id === 'vhold');
    expect(holdout?.rates.delivery).toEqual({ rate: null, low: 0, high: 1 });
    expect(holdout?.rates.conversion.rate).not.toBeNull();

    const vsSms = service.split({ flowId: 'flow1', splitNodeId: 'ab', range, controlId: 'vsms', minimumDetectableEffect: 0.2 });
    expect(vsSms.controlId).toBe('vsms');
    expect(vsSms.verdict).toMatch(/MMS converts [\d.]+× SMS/);
  });

  it('refreshing twice derives nothing new', async () => {
    h = splitFlow();
    await sendTo(h, 10);
    refreshAnalytics(h.sqlite);
    expect(refreshAnalytics(h.sqlite)).toEqual({ eventsAttributed: 0, contactsReattributed: 0, optOutsTraced: 0, repliesTraced: 0, bucketsRecomputed: 0 });
  });
});
