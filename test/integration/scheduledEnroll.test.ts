import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { scheduleEnrollments } from '../../src/main/audience/scheduledEnroll';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { SegmentDetail, SegmentEnrollResult } from '../../src/shared/api/audience';
import type { ApiError, FlowDetail } from '../../src/shared';
import { seededRandom } from '../../src/shared/engine/random';
import { edge, graph, linearFlow, node } from '../support/graphs';
import { calmSimulator, createHarness, flowDocument, HOUR } from './engineHarness';

/**
 * "Enroll a segment at a chosen local time": each contact enters at that time in their own zone,
 * from rows kept in the database (a restart loses none), on a real SQLite file with the real
 * migrations. 8 March 2026 is the day the US moves its clocks forward (02:00 → 03:00).
 */
const START = Date.parse('2026-03-07T12:00:00.000Z');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-scheduled-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scheduled enrollment in each contact’s zone', { timeout: 60_000 }, () => {
  it('enters each contact at 10:00 their time on the DST day, and the entries survive a restart', async () => {
    const file = join(dir, 'postcard.db');
    const document = flowDocument(
      graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Acme: spring sale starts now. Reply STOP to opt out.' }), node('x', 'exit')], [
        edge('t', 'next', 's'),
        edge('s', 'next', 'x'),
      ]),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
    );
    const harness = createHarness(document, { file, start: START });
    const newYork = harness.addContact('+12125550150', { zone: 'America/New_York' });
    const london = harness.addContact('+447700900151', { zone: 'Europe/London' });
    const zoneless = harness.addContact('+13125550152', { zone: null });

    const summary = scheduleEnrollments(harness.sqlite, harness.flowId, [newYork, london, zoneless], { date: '2026-03-08', time: '10:00' }, 'America/Chicago', START);
    expect(summary.scheduled).toBe(3);
    const due = (id: number) => harness.sqlite.prepare('SELECT due_at FROM scheduled_enrollments WHERE contact_id = ?').pluck().get(id) as number | undefined;
    // London is still on GMT; New York is on EDT from 02:00 that morning (UTC−4, not −5); Chicago on CDT (UTC−5).
    expect(new Date(due(london)!).toISOString()).toBe('2026-03-08T10:00:00.000Z');
    expect(new Date(due(newYork)!).toISOString()).toBe('2026-03-08T14:00:00.000Z');
    expect(new Date(due(zoneless)!).toISOString()).toBe('2026-03-08T15:00:00.000Z');
    expect(summary).toMatchObject({ firstAt: '2026-03-08T10:00:00.000Z', lastAt: '2026-03-08T15:00:00.000Z' });

    // Until 12:00 UTC only London's entry is due.
    await harness.runUntil(Date.parse('2026-03-08T12:00:00.000Z'));
    const entered = (sqlite = harness.sqlite) =>
      sqlite.prepare('SELECT contact_id, entered_at FROM enrollments ORDER BY entered_at, contact_id').all() as Array<{ contact_id: number; entered_at: number }>;
    expect(entered()).toEqual([{ contact_id: london, entered_at: Date.parse('2026-03-08T10:00:00.000Z') }]);
    expect(harness.sqlite.prepare('SELECT count(*) FROM scheduled_enrollments').pluck().get()).toBe(2);
    harness.close();

    // A restart: a new runtime on the same file picks up the two entries still waiting.
    const sqlite = openSandbox({ file });
    try {
      const clock = new VirtualClock(Date.parse('2026-03-08T12:00:00.000Z'));
      const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(1), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 't', batchSize: 50 });
      await runtime.runUntil(clock, Date.parse('2026-03-08T18:00:00.000Z'));
      expect(entered(sqlite)).toEqual([
        { contact_id: london, entered_at: Date.parse('2026-03-08T10:00:00.000Z') },
        { contact_id: newYork, entered_at: Date.parse('2026-03-08T14:00:00.000Z') },
        { contact_id: zoneless, entered_at: Date.parse('2026-03-08T15:00:00.000Z') },
      ]);
      expect(sqlite.prepare('SELECT count(*) FROM scheduled_enrollments').pluck().get()).toBe(0);
      // Each got the message at their entry.
      const sent = sqlite.prepare(`SELECT contact_id, accepted_at FROM messages WHERE purpose = 'marketing' ORDER BY accepted_at`).all() as Array<{ contact_id: number; accepted_at: number }>;
      expect(sent.map((m) => m.contact_id)).toEqual([london, newYork, zoneless]);
      for (const m of sent) expect(m.accepted_at - (entered(sqlite).find((e) => e.contact_id === m.contact_id)?.entered_at ?? 0)).toBeLessThan(HOUR);
    } finally {
      sqlite.close();
    }
  });

  it('a time the clocks skip moves forward by the gap; a moment past in every zone is refused and nothing is stored', () => {
    const harness = createHarness(flowDocument(linearFlow()), { file: join(dir, 'postcard.db'), start: START });
    try {
      const newYork = harness.addContact('+12125550160', { zone: 'America/New_York' });
      // 02:30 does not exist in New York on 8 March 2026: 03:30 EDT, 07:30 UTC.
      const skipped = scheduleEnrollments(harness.sqlite, harness.flowId, [newYork], { date: '2026-03-08', time: '02:30' }, 'America/New_York', START);
      expect(skipped.firstAt).toBe('2026-03-08T07:30:00.000Z');
      expect(() => scheduleEnrollments(harness.sqlite, harness.flowId, [newYork], { date: '2026-03-01', time: '10:00' }, 'America/New_York', START)).toThrow(/already passed/);
      expect(harness.sqlite.prepare('SELECT count(*) FROM scheduled_enrollments').pluck().get()).toBe(1);
    } finally {
      harness.close();
    }
  });
});

describe('segments.enroll with a local time (API)', { timeout: 60_000 }, () => {
  let postcard: Postcard;
  beforeEach(async () => {
    postcard = await openPostcard({ dataDir: dir, seedSamples: false });
  });
  afterEach(() => postcard.close());
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const result = await postcard.dispatch(method, input, { transport: 'http' });
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  };
  const refusal = async (method: string, input: unknown): Promise<ApiError> => {
    const result = await postcard.dispatch(method, input, { transport: 'http' });
    if (result.ok) throw new Error(`${method} was expected to be refused`);
    return result.error;
  };

  it('counts first; on confirmation stores one entry per contact (zone-less ones in the workspace zone); a date not on the calendar is refused', async () => {
    await call('workspace.saveSettings', { brandName: 'Acme', defaultTimeZone: 'America/Denver', keywords: [] });
    await call('contacts.import', { csv: ['phone,time_zone,tier,consent', '+12125550171,America/New_York,vip,opted_in', '+13125550172,,vip,opted_in', '+13125550173,,regular,opted_in'].join('\n') });
    // The import infers Chicago from the 312 area code; this contact's zone is unknown instead.
    postcard.sqlite.prepare(`UPDATE contacts SET time_zone = NULL, time_zone_source = NULL WHERE phone = '+13125550172'`).run();
    const segment = await call<SegmentDetail>('segments.save', { name: 'VIPs', definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] } });
    const flow = await call<FlowDetail>('flows.create', { name: 'VIP sale' });
    await call('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    const at = { date: '2099-07-04', time: '09:00' };
    expect((await refusal('segments.enroll', { segmentId: segment.id, flowId: flow.id, isConfirmed: true, at })).message).toContain('only a live flow');
    await call('flows.publish', { id: flow.id });
    expect(await call('segments.enroll', { segmentId: segment.id, flowId: flow.id, at })).toEqual({ matched: 2, enrolled: 0, refused: 0 });
    expect(postcard.sqlite.prepare('SELECT count(*) FROM scheduled_enrollments').pluck().get()).toBe(0);
    expect((await refusal('segments.enroll', { segmentId: segment.id, flowId: flow.id, at: { date: '2099-02-30', time: '09:00' } })).message).toContain('not a date');
    const done = await call<SegmentEnrollResult>('segments.enroll', { segmentId: segment.id, flowId: flow.id, isConfirmed: true, at });
    // 09:00 EDT in New York is 13:00 UTC; 09:00 MDT in the workspace zone (Denver) is 15:00 UTC.
    expect(done).toEqual({ matched: 2, enrolled: 0, refused: 0, scheduled: { scheduled: 2, firstAt: '2099-07-04T13:00:00.000Z', lastAt: '2099-07-04T15:00:00.000Z' } });
    expect(postcard.sqlite.prepare('SELECT count(*) FROM enrollments').pluck().get()).toBe(0);
  });
});
