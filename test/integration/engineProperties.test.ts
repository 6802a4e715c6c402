import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowEdge, FlowNode, FlowSettings } from '../../src/shared';
import { validateFlow } from '../../src/shared';
import { isQuietAt } from '../../src/main/engine/localTime';
import { edge, graph, node } from '../support/graphs';
import { HOUR, MINUTE, T0, createHarness, flowDocument } from './engineHarness';

/**
 * Properties over random flows, contacts and event streams, on the real runtime and a real
 * SQLite sandbox: whatever happens, the send-time rules hold and every enrollment ends well.
 */

const stepKinds = ['waitDuration', 'waitWindow', 'waitEvent', 'sms', 'mms', 'branch', 'split'] as const;
type StepKind = (typeof stepKinds)[number];
const zones = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Pacific/Honolulu', 'Europe/London', 'Asia/Tokyo'];

function buildGraph(kinds: StepKind[]) {
  const nodes: FlowNode[] = [node('t', 'trigger', { type: 'event', event: 'go', filters: [] })];
  const edges: FlowEdge[] = [];
  const pending: Array<[string, string]> = [['t', 'next']];
  const connect = (target: string): void => {
    for (const [source, port] of pending.splice(0)) edges.push(edge(source, port, target));
  };
  kinds.forEach((kind, i) => {
    const id = `n${i}`;
    switch (kind) {
      case 'waitDuration':
        nodes.push(node(id, 'wait', { type: 'duration', amount: 1 + (i % 5), unit: 'hours' }));
        connect(id);
        pending.push([id, 'next']);
        break;
      case 'waitWindow':
        nodes.push(node(id, 'wait', { type: 'window', days: ['mon', 'wed', 'fri', 'sat'], start: '10:00', end: '12:00' }));
        connect(id);
        pending.push([id, 'next']);
        break;
      case 'waitEvent':
        nodes.push(node(id, 'wait', { type: 'event', event: 'clicked', timeoutAmount: 6, timeoutUnit: 'hours' }));
        connect(id);
        pending.push([id, 'event'], [id, 'timeout']);
        break;
      case 'sms':
        nodes.push(node(id, 'sms', { body: `Step ${i} for {{ first_name | default: "you" }}` }));
        connect(id);
        pending.push([id, 'next']);
        break;
      case 'mms':
        nodes.push(node(id, 'mms', { body: `Picture ${i}`, subject: '', mediaAssetId: null, fallbackAfterHours: 4 }));
        nodes.push(node(`${id}f`, 'sms', { body: `Fallback ${i}` }));
        connect(id);
        edges.push(edge(id, 'fallback', `${id}f`));
        pending.push([id, 'sent'], [`${id}f`, 'next']);
        break;
      case 'branch':
        nodes.push(
          node(id, 'branch', {
            conditions: [{ id: 'c1', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' }],
          }),
        );
        connect(id);
        pending.push([id, 'c1'], [id, 'else']);
        break;
      case 'split':
        nodes.push(
          node(id, 'split', {
            variants: [
              { id: 'va', label: 'A', weight: 60, isHoldout: false },
              { id: 'vh', label: 'H', weight: 40, isHoldout: true },
            ],
          }),
        );
        connect(id);
        pending.push([id, 'va']);
        break;
    }
  });
  nodes.push(node('x', 'exit'));
  connect('x');
  return graph(nodes, edges);
}

const scenario = fc.record({
  kinds: fc.array(fc.constantFrom(...stepKinds), { minLength: 1, maxLength: 5 }),
  quietStart: fc.integer({ min: 18, max: 23 }),
  quietEnd: fc.integer({ min: 6, max: 10 }),
  cap: fc.integer({ min: 1, max: 3 }),
  capHours: fc.constantFrom(1, 6, 24),
  reentry: fc.constantFrom('never', 'after_exit', 'always') as fc.Arbitrary<'never' | 'after_exit' | 'always'>,
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  contacts: fc.array(
    fc.record({
      zone: fc.constantFrom(...zones),
      mms: fc.constantFrom('yes', 'no', 'unknown') as fc.Arbitrary<'yes' | 'no' | 'unknown'>,
      optIn: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      vip: fc.boolean(),
      /** Minutes after the start at which things happen to this contact. */
      entries: fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 }), { minLength: 1, maxLength: 3 }),
      clicks: fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 }), { maxLength: 2 }),
      stopAt: fc.option(fc.integer({ min: 0, max: 3 * 24 * 60 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});

describe('engine properties', () => {
  /** Across all runs: proof that the properties were exercised, not vacuously true. */
  const seen = { accepted: 0, cancelled: 0, skipped: 0, deferred: 0, fellBack: 0, ordered: 0 };

  it('never sends to the opted-out, inside quiet hours, over the cap, out of flow order, or twice per step; every enrollment ends', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const settings: Partial<FlowSettings> = {
          quietHours: { isEnabled: true, start: `${s.quietStart}:00`, end: `0${s.quietEnd}:00`.slice(-5) },
          frequencyCap: { isEnabled: true, maxMessages: s.cap, perHours: s.capHours },
          reentry: { mode: s.reentry, minGapHours: 0 },
        };
        const g = buildGraph(s.kinds);
        expect(validateFlow(g).hasErrors).toBe(false);
        const harness = createHarness(flowDocument(g, settings), {
          simulator: {
            seed: s.seed,
            mmsIncapableShare: 0.3,
            stopReplyRate: 0.15,
            transientErrorRate: 0.2,
            latencyMs: { min: MINUTE, max: 6 * HOUR },
            carriers: [
              { name: 'A', share: 0.5, deliveryRate: 0.9 },
              { name: 'B', share: 0.5, deliveryRate: 1 },
            ],
          },
        });
        try {
          s.contacts.forEach((c, i) => {
            const id = harness.addContact(`+1212555${String(1000 + i)}`, { zone: c.zone, mms: c.mms, optIn: c.optIn, attributes: { tier: c.vip ? 'vip' : 'basic' } });
            for (const m of c.entries) harness.event(id, 'go', T0 + m * MINUTE);
            for (const m of c.clicks) harness.event(id, 'clicked', T0 + m * MINUTE);
            if (c.stopAt !== undefined) {
              harness.sqlite
                .prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_out', 'all', 'test', ?, NULL)`)
                .run(id, T0 + c.stopAt * MINUTE);
            }
          });
          await harness.runUntil(T0 + 20 * 24 * HOUR);
          const sqlite = harness.sqlite;
          const accepted = sqlite
            .prepare(
              `SELECT m.id, m.contact_id, m.enrollment_id, m.node_id, m.channel, m.accepted_at, c.time_zone FROM messages m JOIN contacts c ON c.id = m.contact_id
               WHERE m.accepted_at IS NOT NULL AND m.purpose = 'marketing' ORDER BY m.accepted_at`,
            )
            .all() as Array<{ id: number; contact_id: number; enrollment_id: number; node_id: string; channel: string; accepted_at: number; time_zone: string }>;
          const latestConsent = sqlite.prepare(
            `SELECT kind FROM consent_events WHERE contact_id = ? AND kind IN ('opt_in', 'opt_out') AND occurred_at <= ? ORDER BY occurred_at DESC, id DESC LIMIT 1`,
          );
          const count = (sql: string): number => sqlite.prepare(sql).pluck().get() as number;
          seen.accepted += accepted.length;
          seen.cancelled += count(`SELECT count(*) FROM messages WHERE status = 'cancelled'`);
          seen.skipped += count(`SELECT count(*) FROM messages WHERE status = 'skipped'`);
          seen.deferred += count(`SELECT count(*) FROM message_events WHERE status = 'deferred'`);
          seen.fellBack += count(`SELECT coalesce(sum(value), 0) FROM node_counters WHERE metric = 'fellBack'`);
          for (const m of accepted) {
            // 1. consent at send time
            expect(latestConsent.pluck().get(m.contact_id, m.accepted_at)).toBe('opt_in');
            // 2. quiet hours in the contact's zone
            expect(isQuietAt(settings.quietHours!, m.time_zone, m.accepted_at)).toBe(false);
            // 3. frequency cap across all flows
            const window = accepted.filter((o) => o.contact_id === m.contact_id && o.accepted_at > m.accepted_at - s.capHours * HOUR && o.accepted_at <= m.accepted_at);
            expect(window.length).toBeLessThanOrEqual(s.cap);
          }
          // 4. each (enrollment, node) sends at most once, and the provider accepted each key once
          const dupes = sqlite.prepare('SELECT enrollment_id, node_id, count(*) AS n FROM messages GROUP BY enrollment_id, node_id HAVING n > 1').all();
          expect(dupes).toEqual([]);
          expect(sqlite.prepare('SELECT count(*) FROM simulator_messages WHERE send_calls > 1').pluck().get()).toBe(0);
          // 5. flow order: within an enrollment each message is made only once the one before it
          // was sent (or settled), and the accepted ones leave in the order the flow made them
          const byEnrollment = sqlite
            .prepare(`SELECT enrollment_id, created_at, accepted_at, finished_at FROM messages WHERE enrollment_id IS NOT NULL ORDER BY enrollment_id, id`)
            .all() as Array<{ enrollment_id: number; created_at: number; accepted_at: number | null; finished_at: number | null }>;
          for (let i = 1; i < byEnrollment.length; i++) {
            const before = byEnrollment[i - 1]!;
            const after = byEnrollment[i]!;
            if (before.enrollment_id !== after.enrollment_id) continue;
            expect(after.created_at).toBeGreaterThanOrEqual(before.accepted_at ?? before.finished_at ?? before.created_at);
            if (before.accepted_at !== null && after.accepted_at !== null) expect(after.accepted_at).toBeGreaterThanOrEqual(before.accepted_at);
            seen.ordered++;
          }
          // 6. every enrollment ends in a defined state with a reason
          const open = sqlite.prepare(`SELECT id, node_id, state FROM enrollments WHERE state != 'exited' OR exit_reason IS NULL`).all();
          expect(open).toEqual([]);
          const pending = sqlite.prepare(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`).pluck().get();
          expect(pending).toBe(0);
        } finally {
          harness.close();
        }
      }),
      { numRuns: 40, seed: 20260105 },
    );
    expect(seen.accepted).toBeGreaterThan(50);
    for (const value of Object.values(seen)) expect(value).toBeGreaterThan(0);
  });
});
