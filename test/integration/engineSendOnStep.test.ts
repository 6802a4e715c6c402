import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { ProviderAdapter, SendRequest, SendResult } from '../../src/main/providers/types';
import { openSandbox } from '../../src/main/engine/sandbox';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, createHarness, flowDocument, HOUR, MINUTE, T0, type Harness } from './engineHarness';

let harness: Harness | undefined;
let sqlite: Database.Database | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
  sqlite?.close();
  sqlite = undefined;
});

const noQuietHours = { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } };

/** trigger(manual) → mms (fallback → sms) → exit */
const mmsFlow = (fallbackAfterHours: number) =>
  flowDocument(
    graph(
      [
        node('t', 'trigger', { type: 'manual' }),
        node('m', 'mms', { body: 'Your cart', subject: '', mediaAssetId: null, fallbackAfterHours }),
        node('f', 'sms', { body: 'Your cart (text)' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'f'), edge('f', 'next', 'x')],
    ),
    noQuietHours,
  );

/** Every UPDATE of a message row, as SQLite sees it (a temporary trigger on the test's connection). */
function watchMessageUpdates(db: Database.Database): () => Array<{ id: number; status: string }> {
  db.exec(`CREATE TEMP TABLE message_updates (id INTEGER, status TEXT);
    CREATE TEMP TRIGGER log_message_updates AFTER UPDATE ON main.messages BEGIN
      INSERT INTO message_updates VALUES (new.id, new.status);
    END;`);
  return () => db.prepare('SELECT id, status FROM temp.message_updates ORDER BY rowid').all() as Array<{ id: number; status: string }>;
}

/** The simulator, still joining the engine's transactions, but refusing sends as `refuse` says. */
const refusing =
  (refuse: (request: SendRequest, call: number) => SendResult | null) =>
  (db: Database.Database): ProviderAdapter => {
    const inner = new SimulatorProvider(db, calmSimulator({ latencyMs: { min: MINUTE, max: MINUTE } }));
    let calls = 0;
    return Object.assign(Object.create(inner) as ProviderAdapter, {
      sendInTransaction: (connection: unknown, requests: readonly SendRequest[]): SendResult[] =>
        requests.map((request) => refuse(request, ++calls) ?? (inner.sendInTransaction(connection, [request])[0] as SendResult)),
      poll: (a: number, b: number) => inner.poll(a, b),
      nextDueAt: (a: number) => inner.nextDueAt(a),
    });
  };

describe('a step sends to an in-database provider in its own transaction', () => {
  it('outside a tick (an API call, the scheduler off) the send waits in the outbox, and the next tick drains it', async () => {
    harness = createHarness(mmsFlow(2), { simulator: { latencyMs: { min: 5 * HOUR, max: 5 * HOUR } } });
    const updates = watchMessageUpdates(harness.sqlite);
    const c = harness.addContact('+12125550301');
    expect(harness.runtime.enrollContacts(harness.flowId, [c])).toBe(1);
    expect(harness.messages(c).map((m) => m.status)).toEqual(['queued']);
    expect(harness.sqlite.prepare('SELECT count(*) FROM simulator_messages').pluck().get()).toBe(0);

    await harness.runUntil(T0 + MINUTE);
    expect(harness.messages(c)).toMatchObject([{ channel: 'mms', status: 'sent', accepted_at: T0 }]);
    // The drain claims and sends it in one transaction: one update, queued -> sent.
    expect(updates().map((u) => u.status)).toEqual(['sent']);
    expect(harness.enrollment(c)).toMatchObject({ state: 'awaiting_message', wake_at: T0 + 2 * HOUR });
  });

  it('an enrollment woken by its timer inside a tick sends without any outbox round trip', async () => {
    const withWait = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'manual' }),
          node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
          node('m', 'mms', { body: 'New arrivals', subject: '', mediaAssetId: null, fallbackAfterHours: 2 }),
          node('f', 'sms', { body: 'New arrivals (text)' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'w'), edge('w', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'f'), edge('f', 'next', 'x')],
      ),
      noQuietHours,
    );
    harness = createHarness(withWait, { simulator: { latencyMs: { min: 5 * HOUR, max: 5 * HOUR } } });
    const updates = watchMessageUpdates(harness.sqlite);
    const c = harness.addContact('+12125550303');
    harness.runtime.enrollContacts(harness.flowId, [c]);
    expect(harness.messages(c)).toHaveLength(0);

    await harness.runUntil(T0 + HOUR + MINUTE);
    const [mms] = harness.messages(c);
    expect(mms).toMatchObject({ channel: 'mms', status: 'sent', accepted_at: T0 + HOUR, attempts: 1 });
    expect(updates()).toEqual([]);
    expect(harness.enrollment(c)).toMatchObject({ node_id: 'm', state: 'awaiting_message', wake_at: T0 + 3 * HOUR });
    const ledger = harness.sqlite.prepare('SELECT idempotency_key, provider_message_id FROM simulator_messages').all() as Array<Record<string, string>>;
    expect(ledger).toEqual([{ idempotency_key: expect.any(String), provider_message_id: expect.any(String) }]);

    // No receipt by the deadline: the fallback SMS goes out, the late receipt changes nothing.
    await harness.runUntil(T0 + 8 * HOUR);
    expect(harness.messages(c).map((m) => [m.channel, m.status])).toEqual([
      ['mms', 'delivered'],
      ['sms', 'delivered'],
    ]);
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'completed' });
  });

  it('a transient refusal at the step queues the row as a counted attempt, and the drain retries it', async () => {
    harness = createHarness(
      flowDocument(
        graph(
          [node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }), node('s', 'sms', { body: 'Welcome' }), node('x', 'exit')],
          [edge('t', 'next', 's'), edge('s', 'next', 'x')],
        ),
        noQuietHours,
      ),
      {
        provider: refusing((_, call) =>
          call === 1 ? { ok: false, errorClass: 'rate_limited', code: '429', message: 'slow down', retryAfterMs: 10 * MINUTE } : null,
        ),
      },
    );
    const c = harness.addContact('+12125550304');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    const [sms] = harness.messages(c);
    expect(sms).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(sms?.accepted_at).toBeGreaterThanOrEqual(T0 + 10 * MINUTE);
    const events = harness.sqlite.prepare('SELECT status, provider_code FROM message_events WHERE message_id = ?').all(sms?.id);
    expect(events).toEqual([{ status: 'retry', provider_code: '429' }]);
  });

  it('an MMS refused for good at the step falls back to the SMS, and the contact is learned as not MMS-capable', async () => {
    harness = createHarness(mmsFlow(24), {
      provider: refusing((request) =>
        request.channel === 'mms' ? { ok: false, errorClass: 'mms_unsupported', code: '30019', message: 'handset cannot take MMS' } : null,
      ),
    });
    const c = harness.addContact('+12125550305');
    harness.runtime.enrollContacts(harness.flowId, [c]);
    await harness.runUntil(T0 + HOUR);
    expect(harness.messages(c).map((m) => [m.channel, m.status, m.error_class])).toEqual([
      ['mms', 'failed', 'mms_unsupported'],
      ['sms', 'delivered', null],
    ]);
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'completed' });
    expect(harness.sqlite.prepare('SELECT mms_capable FROM contacts WHERE id = ?').pluck().get(c)).toBe('no');
  });

  it('a step inside quiet hours still leaves the send to the outbox, which holds it until the window opens', async () => {
    // 02:00 in New York.
    const night = Date.parse('2026-01-06T07:00:00.000Z');
    harness = createHarness(
      flowDocument(
        graph(
          [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Good morning' }), node('x', 'exit')],
          [edge('t', 'next', 's'), edge('s', 'next', 'x')],
        ),
      ),
      { start: night },
    );
    const c = harness.addContact('+12125550306');
    harness.runtime.enrollContacts(harness.flowId, [c]);
    await harness.runUntil(night + 8 * HOUR);
    const [sms] = harness.messages(c);
    // 08:00 New York is 13:00 UTC; the spread puts it within the next 15 minutes.
    expect(sms?.accepted_at).toBeGreaterThanOrEqual(Date.parse('2026-01-06T13:00:00.000Z'));
    expect(sms?.accepted_at).toBeLessThan(Date.parse('2026-01-06T13:15:00.000Z'));
  });
});

describe('the simulator sends at its throughput', () => {
  const request = (i: number, now: number): SendRequest => ({
    idempotencyKey: `k-${String(i).padStart(4, '0')}`,
    to: `+1212555${String(1000 + i)}`,
    channel: 'sms',
    body: 'Hi',
    subject: null,
    mediaRef: null,
    now,
  });
  const ledger = (db: Database.Database) =>
    db.prepare('SELECT idempotency_key AS key, accepted_at, dispatched_at, receipt_at FROM simulator_messages ORDER BY idempotency_key').all() as Array<{
      key: string;
      accepted_at: number;
      dispatched_at: number;
      receipt_at: number;
    }>;

  it('a burst leaves one slot apart in the order it was accepted, and receipts come back in that order', () => {
    sqlite = openSandbox();
    const provider = new SimulatorProvider(sqlite, calmSimulator({ throughputPerSecond: 10, latencyMs: { min: MINUTE, max: MINUTE } }));
    const db = sqlite;
    db.transaction(() => provider.sendInTransaction(db, [0, 1, 2, 3, 4].map((i) => request(i, T0))))();
    const rows = ledger(db);
    expect(rows.map((r) => r.accepted_at)).toEqual([T0, T0, T0, T0, T0]);
    expect(rows.map((r) => r.dispatched_at - T0)).toEqual([0, 100, 200, 300, 400]);
    expect(rows.map((r) => r.receipt_at - T0)).toEqual([60_000, 60_100, 60_200, 60_300, 60_400]);
    expect(provider.pollSync(T0, T0 + HOUR).receipts.map((r) => r.at - T0)).toEqual([60_000, 60_100, 60_200, 60_300, 60_400]);
  });

  it('a new instance carries on where the queue in the ledger ends; an idle queue sends at once', () => {
    sqlite = openSandbox();
    const db = sqlite;
    const config = calmSimulator({ throughputPerSecond: 2, latencyMs: { min: MINUTE, max: 3 * MINUTE } });
    const first = new SimulatorProvider(db, config);
    db.transaction(() => first.sendInTransaction(db, [0, 1, 2].map((i) => request(i, T0))))();
    const second = new SimulatorProvider(db, config);
    db.transaction(() => second.sendInTransaction(db, [request(3, T0 + 200)]))();
    expect(ledger(db).map((r) => r.dispatched_at - T0)).toEqual([0, 500, 1000, 1500]);
    db.transaction(() => second.sendInTransaction(db, [request(4, T0 + HOUR)]))();
    expect(ledger(db).at(-1)?.dispatched_at).toBe(T0 + HOUR);
  });

  it('with no throughput limit every message leaves when it is accepted', () => {
    sqlite = openSandbox();
    const db = sqlite;
    const provider = new SimulatorProvider(db, calmSimulator({ throughputPerSecond: 0 }));
    db.transaction(() => provider.sendInTransaction(db, [0, 1, 2].map((i) => request(i, T0))))();
    expect(ledger(db).map((r) => r.dispatched_at)).toEqual([T0, T0, T0]);
  });
});

describe('a poison row does not stall the rows behind it', () => {
  const welcome = () =>
    flowDocument(
      graph(
        [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Welcome' }), node('x', 'exit')],
        [edge('t', 'next', 's'), edge('s', 'next', 'x')],
      ),
      noQuietHours,
    );
  /** An in-database adapter with a bug that throws for one number. */
  const buggyFor =
    (phone: string, errors: string[]) =>
    (db: Database.Database): ProviderAdapter => {
      const inner = new SimulatorProvider(db, calmSimulator());
      return Object.assign(Object.create(inner) as ProviderAdapter, {
        sendInTransaction: (connection: unknown, requests: readonly SendRequest[]): SendResult[] => {
          if (requests.some((r) => r.to === phone)) {
            errors.push(phone);
            throw new TypeError(`adapter bug for ${phone}`);
          }
          return inner.sendInTransaction(connection, requests);
        },
        poll: (a: number, b: number) => inner.poll(a, b),
        nextDueAt: (a: number) => inner.nextDueAt(a),
      });
    };

  it('a send that throws in the drain for one message: the others in its batch go out, that one fails as ENGINE_ERROR', async () => {
    const errors: string[] = [];
    harness = createHarness(welcome(), { provider: buggyFor('+12125550312', errors) });
    const ids = ['+12125550311', '+12125550312', '+12125550313'].map((p) => harness!.addContact(p));
    // Enrolled by an API call: the three sends wait in the outbox and the drain takes them as one batch.
    harness.runtime.enrollContacts(harness.flowId, ids);
    await harness.runUntil(T0 + HOUR);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const [a, b, c] = ids.map((id) => harness!.messages(id));
    expect(a?.map((m) => m.status)).toEqual(['delivered']);
    expect(c?.map((m) => m.status)).toEqual(['delivered']);
    // Its send threw again on its own: failed, not left queued to stall every later drain.
    expect(b?.map((m) => [m.status, m.error_class])).toEqual([['failed', 'permanent']]);
    expect(harness.sqlite.prepare('SELECT reason, error_code FROM messages WHERE contact_id = ?').get(ids[1])).toEqual({ reason: 'engine_error', error_code: 'ENGINE_ERROR' });
    expect(harness.enrollment(ids[1] as number)).toMatchObject({ state: 'exited' });
  });

  it('an enrollment whose step throws when its timer fires is set aside; the rest of the batch moves on', async () => {
    const errors: string[] = [];
    const withWait = flowDocument(
      graph(
        [node('t', 'trigger', { type: 'manual' }), node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }), node('s', 'sms', { body: 'Later' }), node('x', 'exit')],
        [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
      ),
      noQuietHours,
    );
    harness = createHarness(withWait, { provider: buggyFor('+12125550322', errors) });
    const ids = ['+12125550321', '+12125550322', '+12125550323'].map((p) => harness!.addContact(p));
    harness.runtime.enrollContacts(harness.flowId, ids);
    await harness.runUntil(T0 + 2 * HOUR);
    expect(errors).toEqual(['+12125550322', '+12125550322']);
    expect(harness.messages(ids[0]).map((m) => m.status)).toEqual(['delivered']);
    expect(harness.messages(ids[2]).map((m) => m.status)).toEqual(['delivered']);
    expect(harness.messages(ids[1])).toEqual([]);
    expect(harness.enrollment(ids[1] as number)).toMatchObject({ state: 'exited', exit_reason: 'engine_error', node_id: 'w' });
  });
});
