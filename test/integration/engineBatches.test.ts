import { afterEach, describe, expect, it } from 'vitest';
import { contactTimeline } from '../../src/main/engine/timeline';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { edge, graph, node } from '../support/graphs';
import { HOUR, MINUTE, T0, createHarness, flowDocument, type Harness } from './engineHarness';

/** trigger → wait 1 h → SMS → exit, with quiet hours and the cap out of the way. */
const waitThenText = flowDocument(
  graph(
    [node('t', 'trigger', { type: 'manual' }), node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }), node('s', 'sms', { body: 'Hi {{ first_name }}' }), node('x', 'exit')],
    [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
  ),
  { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
);

let harness: Harness | null = null;
afterEach(() => {
  harness?.close();
  harness = null;
});

function withContacts(count: number): { h: Harness; ids: number[] } {
  const h = createHarness(waitThenText);
  harness = h;
  const ids = Array.from({ length: count }, (_, i) => h.addContact(`+1212555${String(1000 + i)}`, { attributes: { first_name: `C${i}` } }));
  return { h, ids };
}

const counter = (h: Harness, nodeId: string, metric: string): number =>
  (h.sqlite.prepare('SELECT value FROM node_counters WHERE node_id = ? AND metric = ?').pluck().get(nodeId, metric) as number | undefined) ?? 0;

describe('a batch is one transaction: all of it or none of it', () => {
  it('a step that fails midway through a batch leaves no step half-applied: the others are each applied once, the failing one is set aside', async () => {
    const { h, ids } = withContacts(120);
    expect(h.runtime.enrollContacts(h.flowId, ids)).toBe(120);
    const poisoned = ids[29] as number;
    const before = h.sqlite.prepare('SELECT node_id, step_seq, trail FROM enrollments WHERE contact_id = ?').get(poisoned) as { trail: string };
    // The harness advances 50 enrollments per transaction; the 30th of the first batch fails
    // after 29 enrollments of that batch have queued their SMS and moved on. (Setting it aside, an
    // exit where it stands, is let through.)
    h.sqlite.exec(
      `CREATE TEMP TRIGGER fail_midway BEFORE UPDATE ON enrollments WHEN OLD.contact_id = ${poisoned} AND NEW.node_id != OLD.node_id BEGIN SELECT RAISE(ABORT, 'unexpected data'); END`,
    );
    const errors: unknown[] = [];
    (h.runtime as unknown as { options: { onError?: (e: unknown) => void } }).options.onError = (e) => errors.push(e);
    h.clock.set(T0 + HOUR);
    await h.runtime.tick();

    expect(h.sqlite.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(119);
    expect(h.messages(poisoned)).toEqual([]);
    expect(h.sqlite.prepare('SELECT count(*) FROM messages GROUP BY enrollment_id, node_id HAVING count(*) > 1').all()).toEqual([]);
    // Its step left nothing behind: still at the wait, same step count, one line more (the exit).
    const after = h.sqlite.prepare('SELECT node_id, step_seq, state, exit_reason, trail FROM enrollments WHERE contact_id = ?').get(poisoned) as { trail: string };
    expect(after).toMatchObject({ node_id: 'w', step_seq: 1, state: 'exited', exit_reason: 'engine_error' });
    expect(after.trail.startsWith(before.trail)).toBe(true);
    expect(after.trail.slice(before.trail.length)).toMatch(/^\n\d+\tw\texited: engine_error$/);
    expect(String(errors[0])).toMatch(/unexpected data/);
    // The increments buffered before the batch failed were dropped with it, not added to the retries'.
    expect(counter(h, 's', 'entered')).toBe(119);
    expect(counter(h, 'x', 'exited')).toBe(119);
    expect(counter(h, 'w', 'exited')).toBe(1);
  });

  it('a failure while enrolling keeps none of the batch, and the ids it had reserved are handed out again without clashing', async () => {
    const { h, ids } = withContacts(80);
    h.sqlite.exec(`CREATE TEMP TRIGGER fail_enroll BEFORE INSERT ON enrollments WHEN NEW.contact_id = ${ids[20]} BEGIN SELECT RAISE(ABORT, 'no room'); END`);
    expect(() => h.runtime.enrollContacts(h.flowId, ids)).toThrow(/no room/);
    expect(h.sqlite.prepare('SELECT count(*) FROM enrollments').pluck().get()).toBe(0);
    expect(counter(h, 't', 'entered')).toBe(0);

    h.sqlite.exec('DROP TRIGGER fail_enroll');
    expect(h.runtime.enrollContacts(h.flowId, ids)).toBe(80);
    const enrolled = h.sqlite.prepare('SELECT id FROM enrollments ORDER BY id').pluck().all() as number[];
    expect(new Set(enrolled).size).toBe(80);
    expect(counter(h, 't', 'entered')).toBe(80);
    await h.runUntil(T0 + 2 * HOUR);
    expect(h.sqlite.prepare(`SELECT count(*) FROM enrollments WHERE state = 'exited' AND exit_reason = 'completed'`).pluck().get()).toBe(80);
  });

  it('an enrollment id is never reused, even after the enrollment was deleted with its contact', () => {
    const { h, ids } = withContacts(3);
    h.runtime.enrollContacts(h.flowId, ids.slice(0, 2));
    const last = h.sqlite.prepare('SELECT max(id) FROM enrollments').pluck().get() as number;
    h.sqlite.prepare('DELETE FROM enrollments WHERE id = ?').run(last);
    h.runtime.enrollContacts(h.flowId, [ids[2] as number]);
    expect(h.sqlite.prepare('SELECT max(id) FROM enrollments').pluck().get()).toBe(last + 1);
  });
});

describe('compact history', () => {
  it('the timeline rebuilds steps from the enrollment trail and each message history from its row', async () => {
    const { h, ids } = withContacts(1);
    h.runtime.enrollContacts(h.flowId, ids);
    await h.runUntil(T0 + 2 * HOUR);
    const timeline = contactTimeline(h.sqlite, ids[0] as number);
    const steps = timeline?.entries.filter((e) => e.type === 'step') ?? [];
    expect(steps.map((s) => (s.type === 'step' ? s.nodeIds : []))).toEqual([['t', 'w'], ['s', 'x']]);
    const statuses = timeline?.entries.flatMap((e) => (e.type === 'message' ? [e.status] : [])) ?? [];
    expect(statuses).toEqual(['queued', 'sent', 'delivered']);
    // Nothing routine was written as a message event: the row carries it.
    expect(h.sqlite.prepare('SELECT count(*) FROM message_events').pluck().get()).toBe(0);
  });
});

describe('receipts are applied in slices the provider sizes', () => {
  it('pollUntil stops before the receipt past the limit, and never before the first one', async () => {
    const { h } = withContacts(0);
    const provider = new SimulatorProvider(h.sqlite, { seed: 3, latencyMs: { min: MINUTE, max: 10 * MINUTE }, transientErrorRate: 0 });
    await provider.sendBatch(
      Array.from({ length: 40 }, (_, i) => ({ idempotencyKey: `k${i}`, to: `+1212555${2000 + i}`, channel: 'sms' as const, body: 'x', subject: null, mediaRef: null, now: T0 })),
    );
    const until = T0 + HOUR;
    const end = provider.pollUntil(T0, until, 10);
    const { receipts } = provider.pollSync(T0, end);
    expect(receipts.length).toBeGreaterThan(0);
    expect(receipts.length).toBeLessThanOrEqual(10);
    expect(provider.pollSync(T0, end + 1).receipts.length).toBeGreaterThan(receipts.length);
    expect(provider.pollUntil(T0, until, 1000)).toBe(until);
  });
});
