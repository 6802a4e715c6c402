import { afterEach, describe, expect, it } from 'vitest';
import { recordSegmentUse } from '../../src/main/audience/flowUse';
import { SegmentService } from '../../src/main/audience/segments';
import { SegmentDefinition } from '../../src/shared/audience/segment';
import { edge, graph, linearFlow, node } from '../support/graphs';
import { HOUR, T0, createHarness, flowDocument, type Harness } from './engineHarness';

/** segment_entered and date_attribute triggers in the real engine, over virtual time. */

const DAY = 24 * HOUR;
let harness: Harness | null = null;
afterEach(() => {
  harness?.close();
  harness = null;
});

const entries = (h: Harness, contactId: number): number[] =>
  h.sqlite.prepare('SELECT entered_at FROM enrollments WHERE contact_id = ? ORDER BY id').pluck().all(contactId) as number[];

describe('segment_entered', () => {
  it('enters contacts when a change or time alone makes them match, once per entry, never those already in at go-live', async () => {
    const graph = linearFlow();
    graph.nodes[0] = node('t', 'trigger', { type: 'segment_entered', segment: 'Abandoned, no order' });
    const h = (harness = createHarness(flowDocument(graph)));
    const segments = new SegmentService(h.sqlite, () => T0);
    segments.save({
      name: 'Abandoned, no order',
      description: '',
      definition: SegmentDefinition.parse({
        match: 'all',
        rules: [
          { type: 'event', event: 'cart_abandoned', count: { operator: 'at_least', value: 1 }, window: { type: 'last', amount: 7, unit: 'days' }, properties: [] },
          { type: 'event', event: 'order_placed', count: { operator: 'at_most', value: 0 }, window: { type: 'last', amount: 3, unit: 'days' }, properties: [] },
        ],
      }),
    });
    recordSegmentUse(h.sqlite, h.versionId, graph);
    const already = h.addContact('+13055550001');
    const waiting = h.addContact('+13055550002');
    const later = h.addContact('+13055550003');
    h.event(already, 'cart_abandoned', T0 - DAY);
    h.event(waiting, 'cart_abandoned', T0 - DAY);
    h.event(waiting, 'order_placed', T0 - DAY);
    // Seen as processed: they happened before the flow went live.
    h.sqlite.prepare('UPDATE events SET processed_at = occurred_at').run();

    await h.runUntil(T0 + HOUR);
    expect(entries(h, already)).toEqual([]);

    h.event(later, 'cart_abandoned', T0 + 2 * HOUR);
    await h.runUntil(T0 + 3 * HOUR);
    expect(entries(h, later)).toEqual([T0 + 2 * HOUR]);
    h.event(later, 'cart_abandoned', T0 + 4 * HOUR);
    await h.runUntil(T0 + 5 * HOUR);
    expect(entries(h, later)).toEqual([T0 + 2 * HOUR]);

    // Three days after the order, time alone brings the waiting contact in, at that moment.
    await h.runUntil(T0 + 3 * DAY);
    expect(entries(h, waiting)).toEqual([T0 + 2 * DAY]);
    expect(h.messages(waiting).map((m) => m.status)).toEqual(['delivered']);
    expect(entries(h, already)).toEqual([]);
  });
});

describe('date_attribute', () => {
  it('fires at the local send time before the date, recomputes when the attribute changes, and not twice', async () => {
    const graph = linearFlow();
    graph.nodes[0] = node('t', 'trigger', { type: 'date_attribute', attribute: 'birthday', offsetDays: -1, at: '10:00', isYearly: true });
    const h = (harness = createHarness(flowDocument(graph)));
    const newYork = h.addContact('+12125550001', { attributes: { birthday: '1990-01-08' } });
    const tokyo = h.addContact('+81312345678', { zone: 'Asia/Tokyo', attributes: { birthday: '1985-01-07' } });
    const noDate = h.addContact('+12125550002', { attributes: {} });

    await h.runUntil(T0 + 12 * HOUR);
    // The day before 7 January, 10:00 in Tokyo: 6 January 01:00Z.
    expect(entries(h, tokyo)).toEqual([Date.parse('2026-01-06T01:00:00Z')]);
    expect(entries(h, newYork)).toEqual([]);

    // The contact without a date gets one (an import would set updated_at the same way).
    h.sqlite.prepare(`UPDATE contacts SET attributes_json = '{"birthday":"2001-01-09"}', updated_at = ? WHERE id = ?`).run(T0 + 13 * HOUR, noDate);
    await h.runUntil(T0 + 5 * DAY);
    expect(entries(h, newYork)).toEqual([Date.parse('2026-01-07T15:00:00Z')]);
    expect(entries(h, noDate)).toEqual([Date.parse('2026-01-08T15:00:00Z')]);
    expect(entries(h, tokyo)).toHaveLength(1);
    // Next year's is already stored.
    const next = h.sqlite.prepare('SELECT occurs_on FROM date_trigger_occurrences WHERE contact_id = ?').pluck().get(newYork);
    expect(next).toBe('2027-01-08');
  });
});

describe('preferences at send time', () => {
  it('a flow in a category is not sent to a contact unsubscribed from it, nor to one who paused; others get it', async () => {
    const h = (harness = createHarness(flowDocument(linearFlow(), { category: 'promotions' })));
    const unsubscribed = h.addContact('+13055550011');
    const paused = h.addContact('+13055550012');
    const subscribed = h.addContact('+13055550013');
    h.sqlite
      .prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, category, occurred_at, processed_at) VALUES (?, 'unsubscribe', 'all', 'web_form', 'promotions', ?, ?)`)
      .run(unsubscribed, T0 - HOUR, T0 - HOUR);
    h.sqlite.prepare('UPDATE contacts SET paused_until = ? WHERE id = ?').run(T0 + 30 * DAY, paused);
    for (const id of [unsubscribed, paused, subscribed]) h.event(id, 'signed_up', T0);
    await h.runUntil(T0 + 3 * HOUR);
    expect(h.messages(unsubscribed).map((m) => [m.status, m.reason])).toEqual([['cancelled', 'unsubscribed_category']]);
    expect(h.messages(paused).map((m) => [m.status, m.reason])).toEqual([['cancelled', 'paused']]);
    expect(h.messages(subscribed).map((m) => m.status)).toEqual(['delivered']);
  });
});

describe('branch on segment membership', () => {
  it('routes members of the segment the flow was published with one way and everyone else the other', async () => {
    const g = graph(
      [
        node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
        node('b', 'branch', { conditions: [{ id: 'c1', label: 'VIP', subject: 'segment', name: 'VIPs', operator: 'exists', value: '' }] }),
        node('s', 'sms', { body: 'VIP early access' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'b'), edge('b', 'c1', 's'), edge('b', 'else', 'x'), edge('s', 'next', 'x')],
    );
    const h = (harness = createHarness(flowDocument(g)));
    const segments = new SegmentService(h.sqlite, () => T0);
    segments.declareAttribute('tier', 'text');
    const vipSegment = segments.save({
      name: 'VIPs',
      description: '',
      definition: SegmentDefinition.parse({ match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] }),
    });
    recordSegmentUse(h.sqlite, h.versionId, g);
    // A later edit of the segment does not change the published flow's audience.
    segments.save({ id: vipSegment.id, name: 'VIPs', description: '', definition: SegmentDefinition.parse({ match: 'all', rules: [] }) });
    const vip = h.addContact('+13055550021', { attributes: { tier: 'VIP' } });
    const regular = h.addContact('+13055550022', { attributes: { tier: 'regular' } });
    h.event(vip, 'signed_up', T0);
    h.event(regular, 'signed_up', T0);
    await h.runUntil(T0 + HOUR);
    expect(h.messages(vip).map((m) => m.status)).toEqual(['delivered']);
    expect(h.messages(regular)).toEqual([]);
    expect(h.enrollment(regular).state).toBe('exited');
  });
});
