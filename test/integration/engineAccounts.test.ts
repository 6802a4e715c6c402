import type Database from 'better-sqlite3';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECONCILE_CHECKS } from '../../src/main/engine/runtime/drain';
import { seededRandom } from '../../src/shared/engine/random';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { describeSendingState } from '../../src/main/engine/sending/discipline';
import { contactTimeline } from '../../src/main/engine/timeline';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import type { SendingAccounts } from '../../src/main/engine/sending/accounts';
import { createProviderAdapter } from '../../src/main/providers/index';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { FakeProviders, fakeCredentials } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, flowDocument, HOUR } from './engineHarness';

/**
 * The engine sending a live flow through a real sending account: the Twilio adapter against a
 * loopback server that speaks Twilio's API, under the account's rate limit and breaker.
 */

const ACCOUNT = 'acc_twiliotest01';
let fake: FakeProviders;
beforeAll(async () => {
  fake = await FakeProviders.start();
});
afterAll(async () => {
  await fake.close();
});
const opened: Database.Database[] = [];
afterEach(() => {
  for (const sqlite of opened.splice(0)) sqlite.close();
  fake.reset();
  fake.latencyMs = 0;
});

function setup(options: { mps?: number; contacts?: number; authToken?: string; baseUrl?: () => string; pollsReplies?: boolean; batchSize?: number; stragglerMs?: number } = {}) {
  const sqlite = openSandbox();
  opened.push(sqlite);
  // Real time: the fake stamps messages with the wall clock, and reconciliation compares with it.
  const start = Date.now();
  const clock = new VirtualClock(start);
  installFlow(
    sqlite,
    'welcome',
    flowDocument(
      graph(
        [node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }), node('s', 'sms', { body: 'Welcome, {{ first_name | default: "friend" }}!' }), node('x', 'exit')],
        [edge('t', 'next', 's'), edge('s', 'next', 'x')],
      ),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 }, sendingAccountId: ACCOUNT },
    ),
    start - HOUR,
  );
  const mps = options.mps ?? 100;
  const resolves: string[] = [];
  const adapterOf = () =>
    createProviderAdapter(
      { id: ACCOUNT, provider: 'twilio', from: '+15550001111', channels: ['sms', 'mms'], mps, dailyCap: null, baseUrl: options.baseUrl?.() ?? fake.url, timeoutMs: 2_000 },
      { provider: 'twilio', accountSid: fakeCredentials.twilio.accountSid, authToken: options.authToken ?? fakeCredentials.twilio.authToken },
    );
  // One adapter for reply polling, as a runner keeps it between refreshes (it remembers replies it read).
  const replyAdapter = adapterOf();
  const accounts: SendingAccounts = {
    replySources: () => (options.pollsReplies ? [{ accountId: ACCOUNT, adapter: replyAdapter }] : []),
    resolve: (id) => {
      resolves.push(id);
      if (id !== ACCOUNT) return { unavailable: 'no such account' };
      const adapter = createProviderAdapter(
        { id, provider: 'twilio', from: '+15550001111', channels: ['sms', 'mms'], mps, dailyCap: null, baseUrl: options.baseUrl?.() ?? fake.url, timeoutMs: 2_000 },
        { provider: 'twilio', accountSid: fakeCredentials.twilio.accountSid, authToken: options.authToken ?? fakeCredentials.twilio.authToken },
      );
      return { adapter, limits: { mps, dailyCap: null } };
    },
    mediaUrls: () => ['https://media.example.com/picture.jpg'],
  };
  const runtime = new EngineRuntime({
    sqlite, clock, random: seededRandom(3), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 'acct', accounts, batchSize: options.batchSize ?? 50, stragglerMs: options.stragglerMs,
  });
  const contacts: number[] = [];
  for (let i = 0; i < (options.contacts ?? 3); i++) {
    const id = Number(
      sqlite
        .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', ?, 'unknown', ?, ?)`)
        .run(`+1212555${String(3000 + i)}`, JSON.stringify({ first_name: `C${i}` }), start, start).lastInsertRowid,
    );
    sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`).run(id, start - HOUR, start - HOUR);
    sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'signed_up', '{}', ?)`).run(id, start);
    contacts.push(id);
  }
  const count = (sql: string): number => Number(sqlite.prepare(sql).pluck().get());
  return { sqlite, clock, runtime, contacts, count, start };
}

describe('sending through a real account', () => {
  it('sends each message once through the account\'s adapter, stores the provider\'s id, and the flow moves on', async () => {
    const { runtime, count, sqlite } = setup();
    const report = await runtime.tick();
    expect(report.sent).toBe(3);
    expect(fake.violations).toEqual([]);
    expect(fake.messages.map((m) => [m.to, m.from, m.body]).sort()).toEqual([
      ['+12125553000', '+15550001111', 'Welcome, C0!'],
      ['+12125553001', '+15550001111', 'Welcome, C1!'],
      ['+12125553002', '+15550001111', 'Welcome, C2!'],
    ]);
    const rows = sqlite.prepare(`SELECT provider, provider_message_id, status FROM messages ORDER BY id`).all() as Array<{ provider: string; provider_message_id: string; status: string }>;
    expect(rows.every((r) => r.provider === ACCOUNT && r.status === 'sent' && r.provider_message_id === fake.messages.find((m) => m.id === r.provider_message_id)?.id)).toBe(true);
    // The simulator sent nothing: the flow is on the account.
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(0);
    expect(count(`SELECT count(*) FROM enrollments WHERE state = 'exited' AND exit_reason = 'completed'`)).toBe(3);
  });

  it('keeps to the account\'s messages per second: the rest wait in the queue, not as failed attempts', async () => {
    const { runtime, clock, count, start } = setup({ mps: 5, contacts: 20 });
    await runtime.tick();
    // One second's burst went at once.
    expect(fake.messages).toHaveLength(5);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'queued' AND attempts = 0`)).toBe(15);
    await runtime.runUntil(clock, start + 10_000);
    expect(fake.messages).toHaveLength(20);
    const accepted = (await Promise.resolve(count(`SELECT max(accepted_at) - min(accepted_at) FROM messages`)));
    // 20 messages at 5 a second after a burst of 5: three more seconds at least.
    expect(accepted).toBeGreaterThanOrEqual(2_900);
  });

  it('an account behind its rate limit leaves its backlog in place, untouched; the scheduler sleeps until a slice can go; another sender is not held up', async () => {
    const { runtime, clock, count, sqlite, contacts, start } = setup({ mps: 5, contacts: 30, batchSize: 10 });
    // A second flow on the built-in simulator: its message is queued behind the account's 30.
    installFlow(
      sqlite,
      'receipt',
      flowDocument(
        graph(
          [node('t', 'trigger', { type: 'event', event: 'ordered', filters: [] }), node('s', 'sms', { body: 'Thanks for your order' }), node('x', 'exit')],
          [edge('t', 'next', 's'), edge('s', 'next', 'x')],
        ),
        { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
      ),
      start - HOUR,
    );
    sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'ordered', '{}', ?)`).run(contacts[29], start);
    const backlog = () => sqlite.prepare(`SELECT id, next_attempt_at, updated_at, attempts FROM messages WHERE status = 'queued' AND provider = ? ORDER BY id`).all(ACCOUNT);
    await runtime.tick();
    expect(fake.messages).toHaveLength(5);
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(1);
    // The 25 that could not go keep their place in the queue, never rewritten (each tick used to
    // read, judge and re-queue the whole backlog: quadratic in its length).
    const waiting = backlog();
    expect(waiting).toHaveLength(25);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'queued' AND next_attempt_at = created_at AND updated_at = created_at AND attempts = 0`)).toBe(25);
    // Due, yet the scheduler is told to sleep until a slice of the rate is there, not to spin.
    const next = runtime.nextDueAt() as number;
    expect(next).toBeGreaterThan(clock.now());
    expect(next).toBeLessThanOrEqual(clock.now() + 1_000);
    clock.set(next - 1);
    await runtime.tick();
    expect(fake.messages).toHaveLength(5);
    expect(backlog()).toEqual(waiting);
    clock.set(next);
    await runtime.tick();
    expect(fake.messages.length).toBeGreaterThan(5);
    await runtime.runUntil(clock, start + 10_000);
    expect(fake.messages).toHaveLength(30);
    // In queue order: a row sent later was never queued earlier.
    const accepted = sqlite.prepare(`SELECT accepted_at FROM messages WHERE provider = ? ORDER BY id`).pluck().all(ACCOUNT) as number[];
    expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
  });

  it('keeps enough sends in flight for the account\'s rate when each answer takes a while', async () => {
    // 300 messages a second with answers taking 400 ms needs about 120 calls open at once; a
    // fixed pool of 64 would cap the account at 160 a second.
    const { runtime, count } = setup({ mps: 300, contacts: 300, batchSize: 1_000 });
    fake.latencyMs = 400;
    await runtime.tick();
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(300);
    expect(fake.peakSendsInFlight).toBeGreaterThan(120);
    expect(fake.peakSendsInFlight).toBeLessThanOrEqual(150);
  });

  it('refused credentials hold the messages (not failed) and stop calling the account; fixed, they go', async () => {
    const { runtime, clock, count, start } = setup({ contacts: 4 });
    fake.answerNext('twilio', { kind: 'unauthorized' }, 1_000);
    await runtime.tick();
    const calls = fake.received.length;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(4 * 3);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'failed'`)).toBe(0);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'queued'`)).toBe(4);
    expect(runtime.accountStates()[0]?.breaker).toMatchObject({ state: 'open' });
    // While the breaker is open the account is not called, however often the engine ticks.
    clock.set(start + 5_000);
    await runtime.tick();
    expect(fake.received.length).toBe(calls);
    fake.reset();
    await runtime.runUntil(clock, start + 2 * HOUR);
    expect(fake.messages).toHaveLength(4);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(4);
  });

  it('while the one probe of a half-open breaker is still out, the engine waits a second before looking again, not a millisecond', async () => {
    const { runtime, clock, count, start } = setup({ contacts: 4, stragglerMs: 200 });
    fake.answerNext('twilio', { kind: 'unauthorized' }, 1_000);
    await runtime.tick();
    expect(runtime.accountStates()[0]?.breaker).toMatchObject({ state: 'open', reason: 'auth' });
    fake.reset();
    fake.answerNext('twilio', { kind: 'hang' });
    // The breaker's time is up: one probe goes, and Twilio holds it open.
    clock.set(start + 15 * 60_000 + 1);
    await runtime.tick();
    expect(fake.received).toHaveLength(1);
    expect(runtime.accountStates()[0]?.breaker).toMatchObject({ state: 'half_open', isProbeOut: true });
    expect((runtime.nextDueAt() as number) - clock.now()).toBeGreaterThanOrEqual(1_000);
    await runtime.settleSends();
    expect(count(`SELECT count(*) FROM messages WHERE status = 'failed'`)).toBe(0);
  });

  it('an opted-out answer (21610) goes to the consent ledger and is not retried', async () => {
    const { runtime, count } = setup({ contacts: 1 });
    fake.answerNext('twilio', { kind: 'error', code: '21610', status: 400, message: 'Attempt to send to unsubscribed recipient' });
    await runtime.tick();
    expect(count(`SELECT count(*) FROM messages WHERE status = 'failed' AND error_class = 'opted_out'`)).toBe(1);
    expect(count(`SELECT count(*) FROM consent_events WHERE kind = 'opt_out' AND source = 'provider'`)).toBe(1);
  });

  it('after a crash, a row left in sending is looked up at Twilio (no idempotency key): one it has is not sent again, one it lacks is sent once', async () => {
    const { runtime, sqlite, count, clock } = setup({ contacts: 2 });
    // A crash after the claim: both rows in `sending`; the first reached Twilio before the crash, the second did not.
    await runtime.tick();
    expect(fake.messages).toHaveLength(2);
    const [reached, lost] = sqlite.prepare(`SELECT id, provider_message_id FROM messages ORDER BY id`).all() as Array<{ id: number; provider_message_id: string }>;
    fake.messages.splice(fake.messages.findIndex((m) => m.id === lost!.provider_message_id), 1);
    sqlite.prepare(`UPDATE messages SET status = 'sending', provider_message_id = NULL, accepted_at = NULL, updated_at = ?, next_attempt_at = ? WHERE id IN (?, ?)`).run(clock.now() - 1_000, clock.now() - 1_000, reached!.id, lost!.id);
    const restarted = new EngineRuntime({
      sqlite, clock, random: seededRandom(4), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 'acct',
      accounts: (runtime as unknown as { options: { accounts: SendingAccounts } }).options.accounts,
    });
    clock.set(clock.now() + 1_000);
    await restarted.tick();
    // Found at Twilio: recorded as sent under Twilio's id, not sent again.
    expect(sqlite.prepare('SELECT status FROM messages WHERE id = ?').pluck().get(reached!.id)).toBe('sent');
    // Not listed (yet): Twilio's list can lag a fresh send, so it is asked again later, never resent blindly.
    expect(sqlite.prepare('SELECT status FROM messages WHERE id = ?').pluck().get(lost!.id)).toBe('sending');
    expect(fake.messages).toHaveLength(1);
    await restarted.runUntil(clock, clock.now() + 5 * 60_000);
    expect(fake.messages.filter((m) => m.to === '+12125553000')).toHaveLength(1);
    expect(fake.messages.filter((m) => m.to === '+12125553001')).toHaveLength(1);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(2);
    expect(sqlite.prepare('SELECT provider_message_id FROM messages WHERE id = ?').pluck().get(reached!.id)).toBe(reached!.provider_message_id);
  });

  it('receipts come back: looked up at Twilio from 30 s after the send, or delivered by a status webhook; a STOP webhook opts out at once', async () => {
    const { runtime, clock, count, sqlite, contacts } = setup({ contacts: 3 });
    await runtime.tick();
    const [first, second, third] = fake.messages.map((m) => m.id).sort();
    fake.setStatus(first!, 'delivered');
    fake.setStatus(second!, 'undelivered', '30003');
    // Not looked up before 30 s: no GET yet.
    await runtime.tick();
    expect(fake.received.filter((r) => r.method === 'GET')).toHaveLength(0);
    clock.set(clock.now() + 31_000);
    await runtime.tick();
    const status = (id: string) => sqlite.prepare('SELECT status, error_code FROM messages WHERE provider_message_id = ?').get(id);
    expect(status(first!)).toEqual({ status: 'delivered', error_code: null });
    expect(status(second!)).toEqual({ status: 'undelivered', error_code: '30003' });
    expect(status(third!)).toMatchObject({ status: 'sent' });
    expect(count(`SELECT coalesce(sum(value), 0) FROM node_counters WHERE node_id = 's' AND metric = 'delivered'`)).toBe(1);

    // The third settles by webhook, twice (providers repeat callbacks): counted once.
    const delivered = { providerMessageId: third!, state: 'delivered' as const, code: null, errorClass: null, detail: null, at: clock.now() };
    runtime.applyProviderEvents([delivered], []);
    runtime.applyProviderEvents([delivered], []);
    expect(status(third!)).toMatchObject({ status: 'delivered' });
    expect(count(`SELECT coalesce(sum(value), 0) FROM node_counters WHERE node_id = 's' AND metric = 'delivered'`)).toBe(2);

    // A STOP reply through the inbound webhook reaches the consent ledger in the same call.
    const phone = String(sqlite.prepare('SELECT phone FROM contacts WHERE id = ?').pluck().get(contacts[0]));
    runtime.applyProviderEvents([], [{ from: phone, body: 'STOP', at: clock.now() }]);
    expect(sqlite.prepare(`SELECT kind FROM consent_events WHERE contact_id = ? ORDER BY id DESC LIMIT 1`).pluck().get(contacts[0])).toBe('opt_out');
  });

  it('a row whose provider cannot be asked after a crash is rechecked a bounded number of times, then marked uncertain with the reason, never resent', async () => {
    // A port nothing listens on: every look-up fails to connect, so Twilio "cannot tell".
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let baseUrl = fake.url;
    const { runtime, sqlite, clock, count } = setup({ contacts: 1, baseUrl: () => baseUrl });
    await runtime.tick();
    expect(fake.messages).toHaveLength(1);
    const id = Number(sqlite.prepare('SELECT id FROM messages').pluck().get());
    sqlite.prepare(`UPDATE messages SET status = 'sending', provider_message_id = NULL, accepted_at = NULL, updated_at = ?, next_attempt_at = ? WHERE id = ?`).run(clock.now() - 1_000, clock.now() - 1_000, id);
    baseUrl = deadUrl;
    const restarted = new EngineRuntime({
      sqlite, clock, random: seededRandom(4), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 'acct',
      accounts: (runtime as unknown as { options: { accounts: SendingAccounts } }).options.accounts,
    });
    await restarted.tick();
    // Asked once, cannot tell: still `sending`, to be asked again (a minute later), not resent.
    expect(sqlite.prepare('SELECT status FROM messages WHERE id = ?').pluck().get(id)).toBe('sending');
    await restarted.runUntil(clock, clock.now() + 3 * HOUR);
    const row = sqlite.prepare('SELECT status, error_code FROM messages WHERE id = ?').get(id);
    expect(row).toEqual({ status: 'failed', error_code: 'UNCERTAIN_AFTER_CRASH' });
    expect(count(`SELECT count(*) FROM message_events WHERE message_id = ${id} AND provider_code = 'RECONCILE_PENDING'`)).toBe(MAX_RECONCILE_CHECKS);
    const detail = String(sqlite.prepare(`SELECT detail FROM message_events WHERE message_id = ? AND provider_code = 'UNCERTAIN_AFTER_CRASH'`).pluck().get(id));
    expect(detail).toContain(`after ${MAX_RECONCILE_CHECKS + 1} look-ups`);
    // Nothing was sent a second time, and the enrollment moved on rather than wait forever.
    expect(fake.messages).toHaveLength(1);
    expect(count(`SELECT count(*) FROM enrollments WHERE state = 'active'`)).toBe(0);
  });

  it('without webhooks, replies are polled from the account: STOP reaches the consent ledger and nothing more goes out; HELP is answered through the same account', async () => {
    const { runtime, clock, sqlite, contacts, count } = setup({ contacts: 2, pollsReplies: true });
    await runtime.tick();
    expect(fake.messages).toHaveLength(2);
    const phone = (id: number) => String(sqlite.prepare('SELECT phone FROM contacts WHERE id = ?').pluck().get(id));
    fake.receive('twilio', { from: phone(contacts[0]!), to: '+15550001111', body: 'stop' });
    fake.receive('twilio', { from: phone(contacts[1]!), to: '+15550001111', body: 'HELP' });
    // Paced: not asked again within the poll interval.
    const listed = () => fake.received.filter((r) => r.method === 'GET' && r.path.includes('To=%2B15550001111')).length;
    await runtime.tick();
    expect(listed()).toBe(0);
    clock.set(clock.now() + 21_000);
    await runtime.tick();
    expect(listed()).toBe(1);
    expect(sqlite.prepare(`SELECT kind FROM consent_events WHERE contact_id = ? ORDER BY id DESC LIMIT 1`).pluck().get(contacts[0])).toBe('opt_out');
    // The HELP answer went out through the Twilio account to the contact, not through the simulator.
    const reply = sqlite.prepare(`SELECT provider, status, body, provider_message_id FROM messages WHERE purpose = 'reply'`).get() as { provider: string; status: string; body: string; provider_message_id: string };
    expect(reply).toMatchObject({ provider: ACCOUNT, status: 'sent' });
    expect(reply.body.length).toBeGreaterThan(0);
    const helpSent = fake.messages.filter((m) => !m.isInbound && m.to === phone(contacts[1]!) && m.body === reply.body);
    expect(helpSent.map((m) => [m.id, m.from])).toEqual([[reply.provider_message_id, '+15550001111']]);
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(0);
    // Read once: a later poll (whose window reaches back a little) does not apply the replies again.
    clock.set(clock.now() + 21_000);
    await runtime.tick();
    expect(listed()).toBe(2);
    expect(count(`SELECT count(*) FROM messages WHERE purpose = 'reply'`)).toBe(1);
    expect(count(`SELECT count(*) FROM consent_events WHERE kind = 'opt_out'`)).toBe(1);
  });

  it('a send that times out at Twilio (which keeps no idempotency key) is not resent blindly: the provider is asked, and it had it', async () => {
    const { runtime, clock, sqlite } = setup({ contacts: 1 });
    // Twilio takes the message but answers after our 2 s deadline.
    fake.latencyMs = 2_500;
    await runtime.tick();
    expect(sqlite.prepare('SELECT status FROM messages').pluck().get()).toBe('sending');
    fake.latencyMs = 0;
    await new Promise((r) => setTimeout(r, 700));
    expect(fake.messages).toHaveLength(1);
    // Past Twilio's list lag, the runner looks it up instead of sending it again.
    await runtime.runUntil(clock, clock.now() + 5 * 60_000);
    expect(fake.messages).toHaveLength(1);
    expect(sqlite.prepare('SELECT status, provider_message_id FROM messages').get()).toEqual({ status: 'sent', provider_message_id: fake.messages[0]!.id });
  });

  it('one call the provider never answers does not hold up the others: the tick goes on, the call is settled when it times out, and nothing is sent twice', async () => {
    const { runtime, clock, sqlite, count } = setup({ contacts: 20, batchSize: 1_000, stragglerMs: 500 });
    fake.answerNext('twilio', { kind: 'hang' });
    await runtime.tick();
    // The tick is over while Twilio still holds the request open: the adapter gives up on it only after 2 s.
    expect(fake.sendsInFlight).toBeGreaterThanOrEqual(1);
    const timeouts = (): number => count(`SELECT count(*) FROM message_events WHERE provider_code = 'TIMEOUT'`);
    expect(timeouts()).toBe(0);
    expect(count(`SELECT count(*) FROM messages WHERE status IN ('sent', 'sending')`)).toBe(20);
    // Rows still out are beyond recovery's reach until their calls have surely ended.
    const out = sqlite.prepare(`SELECT next_attempt_at FROM messages WHERE status = 'sending'`).pluck().all() as number[];
    expect(out.length).toBeGreaterThanOrEqual(1);
    expect(out.every((at) => at > clock.now() + 2_000)).toBe(true);
    // The call times out and is recorded; Twilio keeps no idempotency key, so the runner asks before sending again.
    await runtime.settleSends();
    expect(timeouts()).toBe(1);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(19);
    await runtime.runUntil(clock, clock.now() + 5 * 60_000);
    expect(fake.messages).toHaveLength(20);
    expect(new Set(fake.messages.map((m) => m.to)).size).toBe(20);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(20);
  });

  it('an enrollment made by the API (whose engine has no accounts) is queued for the flow\'s account, and the runner sends it through it', async () => {
    const { runtime, sqlite, clock, contacts, count } = setup({ contacts: 1 });
    const api = new EngineRuntime({ sqlite, clock, random: seededRandom(5), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 'acct' });
    expect(api.enrollContacts('welcome', contacts)).toBe(1);
    expect(sqlite.prepare('SELECT provider, status FROM messages').get()).toEqual({ provider: ACCOUNT, status: 'queued' });
    await runtime.tick();
    expect(fake.messages).toHaveLength(1);
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(0);
    expect(sqlite.prepare('SELECT status FROM messages').pluck().get()).toBe('sent');
  });

  /** A second flow on the same account, entered on 'ordered': another message to a contact who already had one. */
  function orderFlow(sqlite: Database.Database, start: number, flowId = 'orders', event = 'ordered'): (contactId: number, at: number) => void {
    installFlow(
      sqlite,
      flowId,
      flowDocument(
        graph(
          [node('t', 'trigger', { type: 'event', event, filters: [] }), node('s', 'sms', { body: 'Thanks for your order' }), node('x', 'exit')],
          [edge('t', 'next', 's'), edge('s', 'next', 'x')],
        ),
        { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 }, sendingAccountId: ACCOUNT },
      ),
      start - HOUR,
    );
    const insert = sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, '{}', ?)`);
    return (contactId, at) => void insert.run(contactId, event, at);
  }

  it('a number Twilio calls invalid (21211) marks the contact: the next message to it never reaches Twilio, and a new phone clears the mark', async () => {
    const { runtime, sqlite, clock, contacts, count, start } = setup({ contacts: 1 });
    const order = orderFlow(sqlite, start);
    const contactId = contacts[0] as number;
    fake.answerNext('twilio', { kind: 'error', code: '21211', status: 400, message: "The 'To' number +12125553000 is not a valid phone number." });
    await runtime.tick();
    expect(count(`SELECT count(*) FROM messages WHERE status = 'failed' AND error_class = 'invalid_number'`)).toBe(1);
    // The contact detail says so, with Twilio's code and words.
    const marked = contactTimeline(sqlite, contactId)?.contact.unreachable;
    expect(marked?.reason).toBe("(21211) The 'To' number +12125553000 is not a valid phone number.");
    expect(Date.parse(marked?.at ?? '')).toBe(clock.now());

    fake.reset();
    order(contactId, clock.now());
    clock.set(clock.now() + 1_000);
    await runtime.tick();
    expect(fake.received.filter((r) => r.method === 'POST')).toHaveLength(0);
    const second = sqlite.prepare(`SELECT status, reason, error_code FROM messages WHERE flow_id = 'orders'`).get();
    expect(second).toEqual({ status: 'failed', reason: "number marked unreachable: (21211) The 'To' number +12125553000 is not a valid phone number.", error_code: 'UNREACHABLE' });

    // The contact gives a new number: the mark goes, and the next message is sent to it.
    sqlite.prepare(`UPDATE contacts SET phone = '+12125559999' WHERE id = ?`).run(contactId);
    expect(contactTimeline(sqlite, contactId)?.contact.unreachable).toBeNull();
    orderFlow(sqlite, start, 'returns', 'returned')(contactId, clock.now());
    clock.set(clock.now() + 1_000);
    await runtime.tick();
    expect(fake.messages.map((m) => m.to)).toEqual(['+12125559999']);
  });

  it('a sender the account does not own (21606) stops the account, not the audience: no further calls, every message still queued, the state says why', async () => {
    const { runtime, clock, count, start } = setup({ contacts: 4, mps: 1 });
    const words = 'The From phone number +15550001111 is not a valid, SMS-capable inbound phone number or short code for your account.';
    fake.answerNext('twilio', { kind: 'error', code: '21606', status: 400, message: words }, 1_000);
    await runtime.tick();
    expect(fake.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    for (let second = 1; second <= 10; second++) {
      clock.set(start + second * 1_000);
      await runtime.tick();
    }
    expect(fake.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'failed'`)).toBe(0);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'queued'`)).toBe(4);
    const [state] = runtime.accountStates();
    expect(state?.breaker).toMatchObject({ state: 'open', reason: 'sender' });
    expect(describeSendingState(state!, clock.now())).toContain(`Twilio refused the sender +15550001111: (21606) ${words}`);
  });

  it('a receipt saying the carrier refused the sender (30034, an unregistered number) stops the account too: the rest stay queued', async () => {
    const { runtime, clock, count, start } = setup({ contacts: 4, mps: 1 });
    await runtime.tick();
    expect(fake.messages).toHaveLength(1);
    const undelivered = { providerMessageId: fake.messages[0]!.id, state: 'undelivered' as const, code: '30034', errorClass: 'sender_refused' as const, detail: 'undelivered', at: clock.now() };
    runtime.applyProviderEvents([undelivered], []);
    for (let second = 1; second <= 10; second++) {
      clock.set(start + second * 1_000);
      await runtime.tick();
    }
    expect(fake.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'queued'`)).toBe(3);
    const [state] = runtime.accountStates();
    expect(describeSendingState(state!, clock.now())).toContain("Sending paused: the carrier refused the account's sender (30034)");
  });

  it('a receipt saying the number is a landline or unreachable (30006) marks the contact too: nothing more is sent to it', async () => {
    const { runtime, sqlite, clock, contacts, start } = setup({ contacts: 1 });
    const order = orderFlow(sqlite, start);
    await runtime.tick();
    const undelivered = { providerMessageId: fake.messages[0]!.id, state: 'undelivered' as const, code: '30006', errorClass: 'invalid_number' as const, detail: 'undelivered', at: clock.now() };
    runtime.applyProviderEvents([undelivered], []);
    expect(contactTimeline(sqlite, contacts[0] as number)?.contact.unreachable?.reason).toBe('(30006) the carrier could not deliver to this number');
    fake.reset();
    order(contacts[0] as number, clock.now());
    clock.set(clock.now() + 1_000);
    await runtime.tick();
    expect(fake.received.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(sqlite.prepare(`SELECT status, error_code FROM messages WHERE flow_id = 'orders'`).get()).toEqual({ status: 'failed', error_code: 'UNREACHABLE' });
  });

  it('a contact marked unreachable is not sent to by the built-in provider either', async () => {
    const { runtime, sqlite, clock, contacts, count, start } = setup({ contacts: 1 });
    const contactId = contacts[0] as number;
    sqlite.prepare(`UPDATE contacts SET unreachable_at = ?, unreachable_reason = '(21614) To number is not a mobile number' WHERE id = ?`).run(start, contactId);
    installFlow(
      sqlite,
      'onsim',
      flowDocument(
        graph([node('t', 'trigger', { type: 'event', event: 'visited', filters: [] }), node('s', 'sms', { body: 'Welcome back' }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]),
        { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
      ),
      start - HOUR,
    );
    sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'visited', '{}', ?)`).run(contactId, start);
    await runtime.runUntil(clock, start + 5_000);
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(0);
    expect(fake.received.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(sqlite.prepare(`SELECT status, reason FROM messages WHERE flow_id = 'onsim'`).get()).toEqual({ status: 'failed', reason: 'number marked unreachable: (21614) To number is not a mobile number' });
  });
});
