import { afterEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { edge, graph, node } from '../support/graphs';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { ProviderAdapter, SendRequest, SendResult } from '../../src/main/providers/types';
import { classifyProviderError } from '../../src/main/providers/errors';
import { readNodeCounts } from '../../src/main/engine/simulate';
import { createHarness, flowDocument, calmSimulator, HOUR, MINUTE, T0, type Harness } from './engineHarness';

let harness: Harness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
});

/** trigger(event signed_up) → sms → exit */
const smsFlow = (settings = {}) =>
  flowDocument(
    graph(
      [node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }), node('s', 'sms', { body: 'Hi {{ first_name | default: "there" }}' }), node('x', 'exit')],
      [edge('t', 'next', 's'), edge('s', 'next', 'x')],
    ),
    settings,
  );

/** trigger → mms (fallback → sms) → exit */
const mmsFlow = (fallbackAfterHours = 24) =>
  flowDocument(
    graph(
      [
        node('t', 'trigger', { type: 'event', event: 'cart', filters: [] }),
        node('m', 'mms', { body: 'Your cart', subject: '', mediaAssetId: null, fallbackAfterHours }),
        node('f', 'sms', { body: 'Your cart (text)' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'f'), edge('f', 'next', 'x')],
    ),
    { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
  );

describe('runtime: triggers, sends, receipts', () => {
  it('an event enrolls the contact, the SMS is rendered, sent, delivered, and the enrollment completes', async () => {
    harness = createHarness(smsFlow());
    const c = harness.addContact('+12125550101', { attributes: { first_name: 'Ava' } });
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    const [message] = harness.messages(c);
    expect(message).toMatchObject({ channel: 'sms', status: 'delivered', body: 'Hi Ava' });
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'completed' });
    expect(readNodeCounts(harness.sqlite, harness.flowId, ['t', 's', 'x'])).toMatchObject({
      t: { entered: 1 },
      s: { entered: 1, sent: 1, delivered: 1 },
      x: { entered: 1, exited: 1, waiting: 0 },
    });
  });

  it('event property filters decide who enters', async () => {
    const doc = smsFlow();
    const trigger = doc.graph.nodes[0] as { config: unknown };
    trigger.config = { type: 'event', event: 'signed_up', filters: [{ property: 'plan', operator: 'equals', value: 'pro' }] };
    harness = createHarness(doc);
    const pro = harness.addContact('+12125550102');
    const free = harness.addContact('+12125550103');
    harness.event(pro, 'signed_up', T0, { plan: 'pro' });
    harness.event(free, 'signed_up', T0, { plan: 'free' });
    await harness.runUntil(T0 + HOUR);
    expect(harness.enrollment(pro)).toBeDefined();
    expect(harness.enrollment(free)).toBeUndefined();
  });

  it('the re-entry rule "never" keeps a contact from entering twice', async () => {
    harness = createHarness(smsFlow({ reentry: { mode: 'never', minGapHours: 0 } }));
    const c = harness.addContact('+12125550104');
    harness.event(c, 'signed_up', T0);
    harness.event(c, 'signed_up', T0 + 2 * HOUR);
    await harness.runUntil(T0 + 5 * HOUR);
    expect(harness.sqlite.prepare('SELECT count(*) FROM enrollments').pluck().get()).toBe(1);
  });

  it('a subscribed trigger enrolls on opt-in', async () => {
    const doc = smsFlow();
    (doc.graph.nodes[0] as { config: unknown }).config = { type: 'subscribed', channel: 'sms' };
    harness = createHarness(doc);
    const c = harness.addContact('+12125550105', { optIn: false });
    harness.runtime.recordConsent({ contactId: c, kind: 'opt_in', channel: 'all', source: 'web form', keyword: null, occurredAt: T0 });
    await harness.runUntil(T0 + HOUR);
    expect(harness.messages(c)).toHaveLength(1);
  });

  it('the flow goal event exits the contact wherever it is and cancels what it had queued', async () => {
    const doc = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'cart', filters: [] }),
          node('w', 'wait', { type: 'duration', amount: 1, unit: 'days' }),
          node('s', 'sms', { body: 'Come back' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
      ),
      { goalEvent: 'purchased' },
    );
    harness = createHarness(doc);
    const c = harness.addContact('+12125550106');
    harness.event(c, 'cart', T0);
    harness.event(c, 'purchased', T0 + 2 * HOUR);
    await harness.runUntil(T0 + 3 * 24 * HOUR);
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'goal_reached', node_id: 'w' });
    expect(harness.messages(c)).toHaveLength(0);
  });

  it('wait-for-event wakes on the event (event port) or times out (timeout port)', async () => {
    const doc = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'cart', filters: [] }),
          node('w', 'wait', { type: 'event', event: 'opened_app', timeoutAmount: 1, timeoutUnit: 'days' }),
          node('yes', 'exit', { reason: 'engaged' }),
          node('no', 'exit', { reason: 'timed_out' }),
        ],
        [edge('t', 'next', 'w'), edge('w', 'event', 'yes'), edge('w', 'timeout', 'no')],
      ),
    );
    harness = createHarness(doc);
    const a = harness.addContact('+12125550107');
    const b = harness.addContact('+12125550108');
    harness.event(a, 'cart', T0);
    harness.event(b, 'cart', T0);
    harness.event(a, 'opened_app', T0 + 3 * HOUR);
    await harness.runUntil(T0 + 2 * 24 * HOUR);
    expect(harness.enrollment(a)).toMatchObject({ exit_reason: 'engaged' });
    expect(harness.enrollment(a).state).toBe('exited');
    expect(harness.enrollment(b)).toMatchObject({ exit_reason: 'timed_out' });
  });
});

describe('runtime: send-time rules', () => {
  it('holds a send inside quiet hours until the window opens in the contact zone, spread over minutes', async () => {
    harness = createHarness(smsFlow(), { start: Date.parse('2026-01-06T03:00:00.000Z') }); // 22:00 New York, 19:00 LA
    const ny = harness.addContact('+12125550109', { zone: 'America/New_York' });
    const la = harness.addContact('+14155550109', { zone: 'America/Los_Angeles' });
    harness.event(ny, 'signed_up');
    harness.event(la, 'signed_up');
    await harness.runUntil(Date.parse('2026-01-06T18:00:00.000Z'));
    const [nyMessage] = harness.messages(ny);
    const [laMessage] = harness.messages(la);
    expect(laMessage?.accepted_at).toBe(Date.parse('2026-01-06T03:00:00.000Z'));
    const opening = Date.parse('2026-01-06T13:00:00.000Z'); // 08:00 New York
    expect(nyMessage?.accepted_at).toBeGreaterThanOrEqual(opening);
    expect(nyMessage?.accepted_at).toBeLessThan(opening + 15 * MINUTE);
    expect(harness.sqlite.prepare(`SELECT count(*) FROM message_events WHERE status = 'deferred'`).pluck().get()).toBe(1);
  });

  it('keeps each contact\'s messages in flow order through quiet hours, the wait counted from the real send', async () => {
    const doc = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
          node('s1', 'sms', { body: 'First' }),
          node('w', 'wait', { type: 'duration', amount: 2, unit: 'minutes' }),
          node('s2', 'sms', { body: 'Second' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 's1'), edge('s1', 'next', 'w'), edge('w', 'next', 's2'), edge('s2', 'next', 'x')],
      ),
    );
    const start = Date.parse('2026-01-06T01:30:00.000Z'); // 20:30 New York: the first sends land before or inside quiet hours
    harness = createHarness(doc, { start });
    const zones = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Pacific/Honolulu'];
    for (let i = 0; i < 500; i++) {
      const c = harness.addContact(`+1212555${String(2000 + i)}`, { zone: zones[i % zones.length] as string });
      harness.event(c, 'signed_up', start + (i % 60) * MINUTE);
    }
    await harness.runUntil(start + 2 * 24 * HOUR);
    const pairs = harness.sqlite
      .prepare(
        `SELECT a.accepted_at AS first, b.accepted_at AS second FROM messages a JOIN messages b ON b.enrollment_id = a.enrollment_id
         WHERE a.node_id = 's1' AND b.node_id = 's2'`,
      )
      .all() as Array<{ first: number; second: number }>;
    expect(pairs).toHaveLength(500);
    const outOfOrder = pairs.filter((p) => !(p.second >= p.first + 2 * MINUTE));
    expect(outOfOrder).toEqual([]);
    expect(harness.sqlite.prepare(`SELECT count(*) FROM message_events WHERE status = 'deferred'`).pluck().get()).toBeGreaterThan(50);
  });

  it('the frequency cap counts across flows and skips over-cap sends with the reason', async () => {
    harness = createHarness(smsFlow({ frequencyCap: { isEnabled: true, maxMessages: 2, perHours: 24 }, reentry: { mode: 'always', minGapHours: 0 } }));
    const c = harness.addContact('+12125550110');
    for (let i = 0; i < 4; i++) harness.event(c, 'signed_up', T0 + i * HOUR);
    await harness.runUntil(T0 + 6 * HOUR);
    const statuses = harness.messages(c).map((m) => [m.status, m.reason]);
    expect(statuses.filter(([s]) => s === 'delivered')).toHaveLength(2);
    expect(statuses.filter(([s, r]) => s === 'skipped' && r === 'frequency_cap')).toHaveLength(2);
  });

  it('consent is checked when the outbox drains: an opt-out after queueing cancels every queued message', async () => {
    harness = createHarness(smsFlow(), { start: Date.parse('2026-01-06T03:00:00.000Z') });
    const c = harness.addContact('+12125550111');
    harness.event(c, 'signed_up');
    await harness.runUntil(Date.parse('2026-01-06T04:00:00.000Z'));
    expect(harness.messages(c)[0]?.status).toBe('queued'); // held by quiet hours
    harness.runtime.recordConsent({ contactId: c, kind: 'opt_out', channel: 'sms', source: 'support desk', keyword: null, occurredAt: harness.clock.now() });
    await harness.runUntil(Date.parse('2026-01-06T20:00:00.000Z'));
    expect(harness.messages(c)[0]).toMatchObject({ status: 'cancelled', reason: 'opted_out', accepted_at: null });
  });

  it('contacts without consent get nothing', async () => {
    harness = createHarness(smsFlow());
    const c = harness.addContact('+12125550112', { optIn: false });
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    expect(harness.messages(c)[0]).toMatchObject({ status: 'cancelled', reason: 'no_consent' });
  });
});

describe('runtime: MMS → SMS fallback', () => {
  it('known MMS-incapable contacts go straight to the SMS', async () => {
    harness = createHarness(mmsFlow());
    const c = harness.addContact('+12125550113', { mms: 'no' });
    harness.event(c, 'cart');
    await harness.runUntil(T0 + HOUR);
    expect(harness.messages(c).map((m) => m.channel)).toEqual(['sms']);
  });

  it('an MMS-class delivery failure falls back once, and the contact is learned as not MMS-capable', async () => {
    harness = createHarness(mmsFlow(), { simulator: { mmsIncapableShare: 1 } });
    const c = harness.addContact('+12125550114');
    harness.event(c, 'cart');
    await harness.runUntil(T0 + 3 * HOUR);
    expect(harness.messages(c).map((m) => [m.channel, m.status])).toEqual([
      ['mms', 'undelivered'],
      ['sms', 'delivered'],
    ]);
    expect(harness.sqlite.prepare('SELECT mms_capable FROM contacts WHERE id = ?').pluck().get(c)).toBe('no');
    expect(readNodeCounts(harness.sqlite, harness.flowId, ['m'])).toMatchObject({ m: { fellBack: 1, failed: 1 } });
  });

  it('a provider that rejects the MMS at send time leads to the fallback', async () => {
    const rejecting = (sqlite: Database.Database): ProviderAdapter => {
      const inner = new SimulatorProvider(sqlite, calmSimulator());
      return Object.assign(Object.create(inner) as ProviderAdapter, {
        sendBatch: undefined,
        // An HTTP-like adapter: it does not join the engine's transactions.
        sendInTransaction: undefined,
        send: async (request: SendRequest): Promise<SendResult> =>
          request.channel === 'mms' ? { ok: false, errorClass: 'mms_unsupported', code: '30019', message: 'too large for the carrier' } : inner.send(request),
        poll: (a: number, b: number) => inner.poll(a, b),
        nextDueAt: (a: number) => inner.nextDueAt(a),
      });
    };
    harness = createHarness(mmsFlow(), { provider: rejecting });
    const c = harness.addContact('+12125550115');
    harness.event(c, 'cart');
    await harness.runUntil(T0 + HOUR);
    expect(harness.messages(c).map((m) => [m.channel, m.status, m.error_class])).toEqual([
      ['mms', 'failed', 'mms_unsupported'],
      ['sms', 'delivered', null],
    ]);
  });

  it('no receipt within fallbackAfterHours takes the fallback; a late receipt does not send twice', async () => {
    harness = createHarness(mmsFlow(2), { simulator: { latencyMs: { min: 5 * HOUR, max: 5 * HOUR } } });
    const c = harness.addContact('+12125550116');
    harness.event(c, 'cart');
    await harness.runUntil(T0 + 10 * HOUR);
    const messages = harness.messages(c);
    expect(messages.map((m) => [m.channel, m.status])).toEqual([
      ['mms', 'delivered'],
      ['sms', 'delivered'],
    ]);
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'completed' });
  });

  it('a delivered MMS continues on "sent" and never on the fallback', async () => {
    harness = createHarness(mmsFlow());
    const c = harness.addContact('+12125550117');
    harness.event(c, 'cart');
    await harness.runUntil(T0 + 2 * 24 * HOUR);
    expect(harness.messages(c).map((m) => m.channel)).toEqual(['mms']);
    expect(harness.sqlite.prepare('SELECT mms_capable FROM contacts WHERE id = ?').pluck().get(c)).toBe('yes');
  });
});

describe('runtime: provider errors, replies, crash recovery', () => {
  it('retries transient errors with backoff, honouring Retry-After', async () => {
    let calls = 0;
    const flaky = (sqlite: Database.Database): ProviderAdapter => {
      const inner = new SimulatorProvider(sqlite, calmSimulator());
      return Object.assign(Object.create(inner) as ProviderAdapter, {
        sendBatch: undefined,
        // An HTTP-like adapter: it does not join the engine's transactions.
        sendInTransaction: undefined,
        send: async (request: SendRequest): Promise<SendResult> => {
          calls++;
          if (calls === 1) return { ok: false, errorClass: classifyProviderError('x', 429), code: '429', message: 'slow down', retryAfterMs: 10 * MINUTE };
          return inner.send(request);
        },
        poll: (a: number, b: number) => inner.poll(a, b),
        nextDueAt: (a: number) => inner.nextDueAt(a),
      });
    };
    harness = createHarness(smsFlow(), { provider: flaky });
    const c = harness.addContact('+12125550118');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    const [message] = harness.messages(c);
    expect(message?.status).toBe('delivered');
    expect(message?.accepted_at).toBeGreaterThanOrEqual(T0 + 10 * MINUTE);
    expect(calls).toBe(2);
  });

  it('STOP replies opt out across channels; START opts back in; HELP gets the help reply', async () => {
    harness = createHarness(smsFlow());
    const c = harness.addContact('+12125550119');
    harness.runtime.applyInbound({ from: '+12125550119', body: '  stop ', at: T0 }, T0);
    harness.event(c, 'signed_up', T0 + MINUTE);
    await harness.runUntil(T0 + HOUR);
    // After STOP the flow may still run, but the send is refused at drain time.
    expect(harness.messages(c).map((m) => [m.status, m.reason, m.accepted_at])).toEqual([['cancelled', 'no_consent', null]]);
    harness.runtime.applyInbound({ from: '+12125550119', body: 'Start', at: T0 + 2 * HOUR }, T0 + 2 * HOUR);
    harness.runtime.applyInbound({ from: '+12125550119', body: 'HELP', at: T0 + 2 * HOUR }, T0 + 2 * HOUR);
    await harness.runUntil(T0 + 3 * HOUR);
    const replies = harness.messages(c).filter((m) => (m as { purpose?: string }).purpose === 'reply');
    expect(harness.sqlite.prepare(`SELECT count(*) FROM simulator_messages`).pluck().get()).toBe(1);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.status).toBe('delivered');
    const kinds = harness.sqlite.prepare('SELECT kind FROM consent_events WHERE contact_id = ? ORDER BY id').pluck().all(c);
    expect(kinds).toEqual(['opt_in', 'opt_out', 'opt_in', 'keyword']);
  });

  it('a row left in "sending" by a crash is resent with its key and the provider answers with the original message', async () => {
    harness = createHarness(smsFlow());
    const c = harness.addContact('+12125550120');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    const [message] = harness.messages(c);
    // Simulate a crash between "provider accepted" and "row marked sent".
    harness.sqlite.prepare(`UPDATE messages SET status = 'sending', provider_message_id = NULL, accepted_at = NULL WHERE id = ?`).run(message?.id);
    await harness.runtime.tick();
    expect(harness.messages(c)[0]?.status).toBe('sent');
    const ledger = harness.sqlite.prepare('SELECT count(*) AS rows, sum(send_calls) AS calls FROM simulator_messages').get();
    expect(ledger).toEqual({ rows: 1, calls: 2 });
  });

  it('without provider idempotency, a row left in "sending" is failed as uncertain rather than sent twice', async () => {
    let sends = 0;
    const plain = (sqlite: Database.Database): ProviderAdapter => {
      const inner = new SimulatorProvider(sqlite, calmSimulator());
      return Object.assign(Object.create(inner) as ProviderAdapter, {
        sendBatch: undefined,
        // An HTTP-like adapter: it does not join the engine's transactions.
        sendInTransaction: undefined,
        capabilities: { channels: ['sms', 'mms'], idempotentSend: false },
        send: async (request: SendRequest) => {
          sends++;
          return inner.send(request);
        },
        poll: (a: number, b: number) => inner.poll(a, b),
        nextDueAt: (a: number) => inner.nextDueAt(a),
      });
    };
    harness = createHarness(smsFlow(), { provider: plain });
    const c = harness.addContact('+12125550121');
    harness.sqlite
      .prepare(
        `INSERT INTO messages (idempotency_key, contact_id, channel, body, provider, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES ('k1', ?, 'sms', 'x', 'simulator', 'sending', 1, ?, ?, ?)`,
      )
      .run(c, T0, T0, T0);
    await harness.runtime.tick();
    expect(sends).toBe(0);
    expect(harness.messages(c)[0]).toMatchObject({ status: 'failed', reason: 'uncertain_after_crash' });
  });
});

describe('runtime: run control and versions', () => {
  it('pausing stops steps, sends and new entrants; resuming carries on where it stopped', async () => {
    const doc = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
          node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
          node('s', 'sms', { body: 'Hello' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
      ),
    );
    harness = createHarness(doc);
    const c = harness.addContact('+12125550122');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + 10 * MINUTE);
    expect(harness.enrollment(c)).toMatchObject({ node_id: 'w', state: 'waiting' });
    harness.sqlite.prepare(`UPDATE flows SET status = 'paused'`).run();
    const late = harness.addContact('+12125550123');
    harness.event(late, 'signed_up', harness.clock.now());
    await harness.runUntil(T0 + 5 * HOUR);
    expect(harness.enrollment(c)).toMatchObject({ node_id: 'w', state: 'waiting' }); // its timer fell due, nothing ran
    expect(harness.messages()).toHaveLength(0);
    expect(harness.enrollment(late)).toBeUndefined(); // paused flows take no new entrants
    harness.sqlite.prepare(`UPDATE flows SET status = 'live'`).run();
    await harness.runUntil(T0 + 6 * HOUR);
    expect(harness.messages(c)[0]?.status).toBe('delivered');
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'completed' });
  });

  it('in-flight enrollments keep their version when a new one is published', async () => {
    const v1 = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'go', filters: [] }),
          node('w', 'wait', { type: 'duration', amount: 1, unit: 'days' }),
          node('s', 'sms', { body: 'version one' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
      ),
    );
    harness = createHarness(v1);
    const early = harness.addContact('+12125550124');
    harness.event(early, 'go');
    await harness.runUntil(T0 + HOUR);
    const v2 = structuredClone(v1);
    (v2.graph.nodes[2] as { config: { body: string } }).config.body = 'version two';
    harness.sqlite
      .prepare(`INSERT INTO flow_versions (id, flow_id, version, document_json, published_at) VALUES ('flow1-v2', 'flow1', 2, ?, '2026-01-05T16:00:00Z')`)
      .run(JSON.stringify(v2));
    const late = harness.addContact('+12125550125');
    harness.event(late, 'go', harness.clock.now());
    await harness.runUntil(T0 + 3 * 24 * HOUR);
    expect(harness.messages(early)[0]).toMatchObject({ body: 'version one' });
    expect(harness.messages(late)[0]).toMatchObject({ body: 'version two' });
  });

  it('refuses to run a version whose graph has errors', async () => {
    const broken = flowDocument(graph([node('t', 'trigger', { type: 'event', event: 'go', filters: [] })], []));
    harness = createHarness(broken);
    const c = harness.addContact('+12125550126');
    harness.event(c, 'go');
    await harness.runUntil(T0 + HOUR);
    expect(harness.enrollment(c)).toBeUndefined();
    expect(harness.runtime.version(harness.versionId)).toBeNull();
  });
});
