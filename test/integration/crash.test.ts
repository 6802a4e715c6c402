import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSandbox, installFlow } from '../../src/main/engine/sandbox';
import { seededRandom } from '../../src/shared/engine/random';
import { FakeProviders } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';
import { HOUR, MINUTE, T0, flowDocument } from './engineHarness';

const dir = mkdtempSync(join(tmpdir(), 'postcard-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONTACTS = 120;
const UNTIL = T0 + 4 * 24 * HOUR;
const worker = join(import.meta.dirname, 'crashWorker.ts');
const pauseWorker = join(import.meta.dirname, 'pauseWorker.ts');
const sendWorker = join(import.meta.dirname, 'sendCrashWorker.ts');

function runWorker(file: string, killAfterMs: number | null): Promise<'done' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, file, String(T0), String(UNTIL)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('done');
      else reject(new Error(`worker failed (${code}): ${stderr.slice(0, 2000)}`));
    });
  });
}

describe('crash safety', () => {
  it('killed with SIGKILL at random moments and restarted, every intended message is accepted exactly once', async () => {
    const file = join(dir, 'crash.db');
    const setup = openSandbox({ file });
    const doc = flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'go', filters: [] }),
          node('hello', 'sms', { body: 'Hello {{ first_name | default: "there" }}' }),
          node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
          node('m', 'mms', { body: 'A picture', subject: '', mediaAssetId: null, fallbackAfterHours: 2 }),
          node('f', 'sms', { body: 'The picture, in words' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'hello'), edge('hello', 'next', 'w'), edge('w', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'f'), edge('f', 'next', 'x')],
      ),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
    );
    installFlow(setup, 'crashflow', doc, T0);
    const random = seededRandom(7);
    setup.transaction(() => {
      for (let i = 0; i < CONTACTS; i++) {
        const id = Number(
          setup
            .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', '{}', 'unknown', ?, ?)`)
            .run(`+1917555${String(1000 + i)}`, T0, T0).lastInsertRowid,
        );
        setup.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`).run(id, T0 - HOUR, T0 - HOUR);
        setup.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'go', '{}', ?)`).run(id, T0 + Math.floor(random.next() * 6 * HOUR));
      }
    })();
    setup.close();

    let kills = 0;
    let outcome: 'done' | 'killed' = 'killed';
    for (let attempt = 0; attempt < 25 && outcome !== 'done'; attempt++) {
      // tsx needs a few hundred ms to start; kills land anywhere from start-up to mid-run.
      outcome = await runWorker(file, 250 + Math.floor(random.next() * 900));
      if (outcome === 'killed') kills++;
    }
    if (outcome !== 'done') outcome = await runWorker(file, null);
    expect(outcome).toBe('done');
    expect(kills).toBeGreaterThan(5);

    const db = openSandbox({ file });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const enrollments = db.prepare(`SELECT state, exit_reason, count(*) AS n FROM enrollments GROUP BY 1, 2`).all();
      expect(enrollments).toEqual([{ state: 'exited', exit_reason: 'completed', n: CONTACTS }]);
      // Intended: one greeting each, one MMS each, one fallback SMS for those whose MMS failed as MMS.
      const intended = db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
      const fellBack = db.prepare(`SELECT count(*) FROM messages WHERE node_id = 'f'`).pluck().get() as number;
      const mmsRefused = db.prepare(`SELECT count(*) FROM messages WHERE node_id = 'm' AND error_class = 'mms_unsupported'`).pluck().get() as number;
      expect(intended).toBe(2 * CONTACTS + fellBack);
      // Exactly one path per contact: the counted fallbacks are the fallback SMS written, and
      // every MMS refused as MMS is among them (the rest timed out waiting for a receipt).
      expect(db.prepare(`SELECT value FROM node_counters WHERE node_id = 'm' AND metric = 'fellBack'`).pluck().get()).toBe(fellBack);
      expect(fellBack).toBeGreaterThanOrEqual(mmsRefused);
      expect(mmsRefused).toBeGreaterThan(0);
      expect(db.prepare('SELECT count(*) FROM messages GROUP BY enrollment_id, node_id HAVING count(*) > 1').all()).toEqual([]);
      // None lost: every intended message reached the provider and was marked accepted.
      expect(db.prepare(`SELECT count(*) FROM messages WHERE accepted_at IS NULL OR status IN ('queued', 'sending')`).pluck().get()).toBe(0);
      // None duplicated: the provider's ledger holds each key once, and exactly the outbox's keys.
      const ledger = db.prepare('SELECT count(*) FROM simulator_messages').pluck().get();
      expect(ledger).toBe(intended);
      const unmatched = db
        .prepare(
          `SELECT count(*) FROM messages m LEFT JOIN simulator_messages s ON s.idempotency_key = m.idempotency_key
           WHERE s.idempotency_key IS NULL OR s.provider_message_id != m.provider_message_id`,
        )
        .pluck()
        .get();
      expect(unmatched).toBe(0);
    } finally {
      db.close();
    }
  }, 120_000);

  it('a runner frozen (SIGSTOP) for longer than the lease, while another takes over, processes nothing twice when it thaws', async () => {
    const file = join(dir, 'pause.db');
    const setup = openSandbox({ file });
    // Re-entry always: an event processed twice would enroll its contact twice and send twice.
    const doc = flowDocument(
      graph([node('t', 'trigger', { type: 'event', event: 'go', filters: [] }), node('s', 'sms', { body: 'Hi' }), node('x', 'exit')], [
        edge('t', 'next', 's'),
        edge('s', 'next', 'x'),
      ]),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 }, reentry: { mode: 'always', minGapHours: 0 } },
    );
    const now = Date.now();
    installFlow(setup, 'pauseflow', doc, now - HOUR);
    const EVENTS = 3000;
    setup.transaction(() => {
      for (let i = 0; i < EVENTS; i++) {
        const id = Number(
          setup
            .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', '{}', 'unknown', ?, ?)`)
            .run(`+1646555${String(1000 + i).padStart(4, '0')}`, now, now).lastInsertRowid,
        );
        setup.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`).run(id, now - HOUR, now - HOUR);
        setup.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'go', '{}', ?)`).run(id, now - MINUTE);
      }
    })();
    const processed = setup.prepare('SELECT count(*) FROM events WHERE processed_at IS NOT NULL').pluck();

    const LEASE_MS = 1_500;
    const start = (runnerId: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', pauseWorker, file, runnerId, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const done = new Promise<{ runnerId: string; lost: number }>((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim()) as { runnerId: string; lost: number }) : reject(new Error(`${runnerId} failed (${code}): ${stderr.slice(0, 2000)}`)))),
      );
      return { child, done };
    };
    const first = start('first');
    // Freeze it part-way through the work.
    for (let i = 0; i < 3000 && (processed.get() as number) < 300; i++) await new Promise((r) => setTimeout(r, 10));
    expect(processed.get() as number).toBeGreaterThanOrEqual(300);
    first.child.kill('SIGSTOP');
    const frozenAt = processed.get() as number;
    expect(frozenAt).toBeLessThan(EVENTS);
    await new Promise((r) => setTimeout(r, LEASE_MS + 500));
    const second = start('second');
    // The second takes over, unless the first was frozen inside a write transaction: then the
    // second waits on the database's lock (the first's lease was valid when it began) until the thaw.
    const leaseHolder = setup.prepare(`SELECT json_extract(value, '$.runnerId') FROM engine_state WHERE key = 'runner_lease'`).pluck();
    for (let i = 0; i < 300 && leaseHolder.get() !== 'second'; i++) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGCONT');
    const [firstDone, secondDone] = await Promise.all([first.done, second.done]);
    expect([firstDone.runnerId, secondDone.runnerId]).toEqual(['first', 'second']);
    try {
      expect(processed.get()).toBe(EVENTS);
      const count = (sql: string): number => setup.prepare(sql).pluck().get() as number;
      // Each event entered its contact once, and each contact got one message, accepted once.
      expect(count('SELECT count(*) FROM enrollments')).toBe(EVENTS);
      expect(count('SELECT count(*) FROM (SELECT contact_id FROM enrollments GROUP BY contact_id HAVING count(*) > 1)')).toBe(0);
      expect(count('SELECT count(*) FROM messages')).toBe(EVENTS);
      expect(count('SELECT count(*) FROM simulator_messages')).toBe(EVENTS);
      expect(count(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`)).toBe(0);
    } finally {
      setup.close();
    }
  }, 120_000);

  // Twilio lists messages by To/From/date, Vonage finds our client_ref in its records, Telnyx
  // searches its message records: each provider's reconciliation, proved by the same kills.
  // Twilio carries the full 2,000; the other two a smaller send at a fifth of the rate, so that
  // each send lasts about as long (five seconds) and the kills land mid-send as often.
  it.each([
    { provider: 'twilio', MESSAGES: 2000 },
    { provider: 'vonage', MESSAGES: 400 },
    { provider: 'telnyx', MESSAGES: 400 },
  ] as const)('sending through a $provider account (no idempotency keys), killed with SIGKILL at random moments of a $MESSAGES-message send to a slow provider, the provider receives each message exactly once', async ({ provider, MESSAGES }) => {
    const fake = await FakeProviders.start({ latencyMs: 40 });
    const file = join(dir, `send-${provider}.db`);
    const setup = openSandbox({ file });
    const ACCOUNT = 'acc_crashtest001';
    const doc = flowDocument(
      graph([node('t', 'trigger', { type: 'event', event: 'go', filters: [] }), node('s', 'sms', { body: 'Hi {{ first_name }}' }), node('x', 'exit')], [
        edge('t', 'next', 's'),
        edge('s', 'next', 'x'),
      ]),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 }, sendingAccountId: ACCOUNT },
    );
    const now = Date.now();
    installFlow(setup, 'sendflow', doc, now - HOUR);
    setup.transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        const id = Number(
          setup
            .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', ?, 'unknown', ?, ?)`)
            .run(`+1718555${String(i).padStart(4, '0')}`, JSON.stringify({ first_name: `N${i}` }), now, now).lastInsertRowid,
        );
        setup.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`).run(id, now - HOUR, now - HOUR);
        setup.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'go', '{}', ?)`).run(id, now - MINUTE);
      }
    })();
    const run = (killAfterMs: number | null): Promise<'done' | 'killed'> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', sendWorker, file, ACCOUNT, fake.url, provider, String(MESSAGES / 5)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        // The kill is timed from when the runner is up (start-up takes a while on a loaded machine).
        let timer: NodeJS.Timeout | null = null;
        child.stdout.on('data', (chunk: Buffer) => {
          if (killAfterMs !== null && timer === null && chunk.toString().includes('ready')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        });
        child.on('exit', (code, signal) => {
          if (timer) clearTimeout(timer);
          if (signal === 'SIGKILL') resolve('killed');
          else if (code === 0) resolve('done');
          else reject(new Error(`send worker failed (${code}): ${stderr.slice(0, 2000)}`));
        });
      });
    const random = seededRandom(11);
    const sentAt = setup.prepare(`SELECT count(*) FROM messages WHERE status = 'sending' OR accepted_at IS NOT NULL`).pluck();
    let kills = 0;
    let killsMidSend = 0;
    let outcome: 'done' | 'killed' = 'killed';
    try {
      for (let attempt = 0; attempt < 12 && outcome !== 'done'; attempt++) {
        const before = sentAt.get() as number;
        outcome = await run(Math.floor(random.next() * 1_200));
        if (outcome === 'killed') {
          kills++;
          const after = sentAt.get() as number;
          if (after > before && after < MESSAGES) killsMidSend++;
        }
      }
      if (outcome !== 'done') outcome = await run(null);
      expect(outcome).toBe('done');
      // Several kills, at least one of them while messages were on their way (how many fit before the
      // send ends depends on the machine's load; the exactly-once checks below are what matter).
      expect(kills).toBeGreaterThan(1);
      expect(killsMidSend).toBeGreaterThan(0);
      // Each message reached the provider exactly once, and each row holds the id the provider gave it.
      const posts = fake.messages.filter((m) => m.provider === provider);
      const perNumber = new Map<string, number>();
      for (const m of posts) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
      expect(perNumber.size).toBe(MESSAGES);
      expect([...perNumber.values()].filter((n) => n !== 1)).toEqual([]);
      const count = (sql: string): number => setup.prepare(sql).pluck().get() as number;
      expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(MESSAGES);
      const ids = new Set(posts.map((m) => m.id));
      const rows = setup.prepare('SELECT provider_message_id FROM messages').pluck().all() as string[];
      expect(rows.filter((id) => !ids.has(id))).toEqual([]);
    } finally {
      setup.close();
      await fake.close();
    }
  }, 400_000);
});
