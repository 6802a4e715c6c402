import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/engine/random';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime, RUNNER_LEASE_MS } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { Scheduler } from '../../src/main/engine/scheduler';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { ProviderAdapter, SendRequest } from '../../src/main/providers/types';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, flowDocument, HOUR, T0 } from './engineHarness';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Two processes' worth of engine on one database file: each its own connection, clock and runner id. */
function twoRunners() {
  const dir = mkdtempSync(join(tmpdir(), 'postcard-runners-'));
  const file = join(dir, 'postcard.db');
  const open = (): Database.Database => {
    const sqlite = openSandbox({ file });
    sqlite.pragma('busy_timeout = 5000');
    cleanups.push(() => sqlite.close());
    return sqlite;
  };
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const first = open();
  installFlow(
    first,
    'welcome',
    flowDocument(
      graph(
        [node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }), node('s', 'sms', { body: 'Welcome!' }), node('x', 'exit')],
        [edge('t', 'next', 's'), edge('s', 'next', 'x')],
      ),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
    ),
    T0,
  );
  const runner = (sqlite: Database.Database, runnerId: string) => {
    const clock = new VirtualClock(T0);
    const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(1), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 'one-db', runnerId });
    return { sqlite, clock, runtime };
  };
  const signUp = (phone: string): void => {
    const id = Number(
      first
        .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', '{}', 'unknown', ?, ?)`)
        .run(phone, T0, T0).lastInsertRowid,
    );
    first.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`).run(id, T0 - HOUR, T0 - HOUR);
    first.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'signed_up', '{}', ?)`).run(id, T0);
  };
  return { app: runner(first, 'app'), cli: runner(open(), 'cli'), signUp, count: (sql: string) => Number(first.prepare(sql).pluck().get()) };
}

describe('one runner at a time per database', () => {
  it('while one runner holds the lease another does nothing and says who holds it; released, the other takes over', async () => {
    const { app, cli, signUp, count } = twoRunners();
    signUp('+12125550401');
    const first = await app.runtime.tick();
    expect(first.heldBy).toBeNull();
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(1);

    signUp('+12125550402');
    const held = await cli.runtime.tick();
    expect(held).toMatchObject({ heldBy: { runnerId: 'app', until: T0 + RUNNER_LEASE_MS }, steps: 0, sent: 0, events: 0 });
    expect(count(`SELECT count(*) FROM events WHERE processed_at IS NULL`)).toBe(1);

    app.runtime.releaseLease();
    const taken = await cli.runtime.tick();
    expect(taken.heldBy).toBeNull();
    expect(taken.sent).toBe(1);
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(2);
    // Now the app waits for the CLI.
    expect((await app.runtime.tick()).heldBy?.runnerId).toBe('cli');
  });

  it('a runner that died without giving the lease back is taken over once its lease lapses', async () => {
    const { app, cli, signUp, count } = twoRunners();
    await app.runtime.tick();
    // The app dies here: no release. The CLI waits out the lease, then does the work.
    signUp('+12125550403');
    cli.clock.set(T0 + RUNNER_LEASE_MS - 1);
    expect((await cli.runtime.tick()).heldBy?.runnerId).toBe('app');
    cli.clock.set(T0 + RUNNER_LEASE_MS);
    expect((await cli.runtime.tick()).sent).toBe(1);
    expect(count(`SELECT count(*) FROM messages WHERE status != 'queued'`)).toBe(1);
  });

  it('a runner started again under the same id takes its own lease straight back', async () => {
    const { app, signUp, count } = twoRunners();
    await app.runtime.tick();
    const again = new EngineRuntime({
      sqlite: app.sqlite,
      clock: app.clock,
      random: seededRandom(2),
      provider: new SimulatorProvider(app.sqlite, calmSimulator()),
      installId: 'one-db',
      runnerId: 'app',
    });
    signUp('+12125550404');
    expect((await again.tick()).sent).toBe(1);
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(1);
  });

  it('a scheduler that stops gives its lease back; runUntilIdle waits for a held lease instead of spinning', async () => {
    const { app, cli, signUp, count } = twoRunners();
    await app.runtime.tick();
    signUp('+12125550405');
    const sleeps: number[] = [];
    let heldTicks = 0;
    const scheduler = new Scheduler({
      runtime: cli.runtime,
      clock: cli.clock,
      pollMs: 1_000,
      onTick: (report) => (heldTicks += report.heldBy ? 1 : 0),
      // Virtual sleep: the CLI's clock moves on by what it slept.
      sleep: async (ms) => {
        sleeps.push(ms);
        cli.clock.advance(ms);
      },
    });
    await scheduler.runUntilIdle(60_000);
    // Held for the lease's 30 s in naps of at most the poll interval, then it did the work itself.
    expect(heldTicks).toBe(RUNNER_LEASE_MS / 1_000);
    const naps = sleeps.slice(0, heldTicks);
    expect(naps.every((ms) => ms > 0 && ms <= 1_000)).toBe(true);
    expect(naps.reduce((a, b) => a + b, 0)).toBe(RUNNER_LEASE_MS);
    expect(count(`SELECT count(*) FROM messages WHERE status != 'queued'`)).toBe(1);
    // Done and given back: the app ticks again at once.
    expect((await app.runtime.tick()).heldBy).toBeNull();
  });

  it('a runner paused longer than the lease stops at once when it wakes: it neither renews over its successor nor processes anything more', async () => {
    const { app, cli, signUp, count } = twoRunners();
    // The app's runner sends the HTTP way, and its first call hangs, as a process frozen mid-send would.
    let thaw!: () => void;
    const frozen = new Promise<void>((resolve) => (thaw = resolve));
    const simulator = new SimulatorProvider(app.sqlite, calmSimulator());
    const stuck: ProviderAdapter = Object.assign(Object.create(simulator) as ProviderAdapter, {
      sendInTransaction: undefined,
      sendBatch: undefined,
      send: async (request: SendRequest) => {
        await frozen;
        return simulator.send(request);
      },
    });
    const paused = new EngineRuntime({ sqlite: app.sqlite, clock: app.clock, random: seededRandom(1), provider: stuck, installId: 'one-db', runnerId: 'app' });
    for (let i = 0; i < 5; i++) signUp(`+1212555050${i}`);
    const pausedTick = paused.tick();
    for (let i = 0; i < 200 && count(`SELECT count(*) FROM messages WHERE status = 'sending'`) < 5; i++) await new Promise((r) => setTimeout(r, 5));
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sending'`)).toBe(5);

    // The lease lapses while the app is frozen; the CLI takes over, recovers the claimed sends and goes on.
    cli.clock.set(T0 + RUNNER_LEASE_MS + 1);
    const takeover = await cli.runtime.tick();
    expect(takeover.heldBy).toBeNull();
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent'`)).toBe(5);
    for (let i = 0; i < 3; i++) signUp(`+1212555060${i}`);

    thaw();
    const woke = await pausedTick;
    expect(woke).toMatchObject({ leaseLost: true, heldBy: { runnerId: 'cli' } });
    // It wrote nothing after waking: the lease still names the CLI, the new sign-ups wait for it.
    expect(JSON.parse(String(app.sqlite.prepare(`SELECT value FROM engine_state WHERE key = 'runner_lease'`).pluck().get()))).toMatchObject({ runnerId: 'cli' });
    expect(count(`SELECT count(*) FROM events WHERE processed_at IS NULL`)).toBe(3);
    // Its next tick waits for the holder instead of running beside it.
    expect((await paused.tick()).heldBy).toMatchObject({ runnerId: 'cli' });

    await cli.runtime.tick();
    expect(count(`SELECT count(*) FROM events WHERE processed_at IS NULL`)).toBe(0);
    // Each contact entered once and got one message; the provider's ledger holds each key once.
    expect(count(`SELECT count(*) FROM enrollments`)).toBe(8);
    expect(count(`SELECT count(*) FROM messages`)).toBe(8);
    expect(count(`SELECT count(*) FROM simulator_messages`)).toBe(8);
    expect(count(`SELECT count(*) FROM messages WHERE status = 'sent' AND accepted_at IS NOT NULL`)).toBe(8);
  });

  it('a runner whose holder was a process of this host that is gone takes the lease at once instead of waiting it out', async () => {
    const { app, signUp, count } = twoRunners();
    signUp('+12125550410');
    // A crashed `postcard run`: its lease names a pid that no longer runs on this host.
    app.sqlite
      .prepare(`INSERT INTO engine_state (key, value) VALUES ('runner_lease', ?)`)
      .run(JSON.stringify({ runnerId: 'dead-runner', until: T0 + RUNNER_LEASE_MS, epoch: 3, host: hostname(), pid: 999_999 }));
    const alive = new EngineRuntime({
      sqlite: app.sqlite, clock: app.clock, random: seededRandom(1), provider: new SimulatorProvider(app.sqlite, calmSimulator()), installId: 'one-db',
      runnerId: 'restarted', isProcessAlive: (pid) => pid !== 999_999,
    });
    expect((await alive.tick()).heldBy).toBeNull();
    expect(count('SELECT count(*) FROM simulator_messages')).toBe(1);
    expect(JSON.parse(String(app.sqlite.prepare(`SELECT value FROM engine_state WHERE key = 'runner_lease'`).pluck().get()))).toMatchObject({ runnerId: 'restarted', epoch: 4 });

    // A holder that still runs (or runs on another host) is waited for, as before.
    app.sqlite
      .prepare(`UPDATE engine_state SET value = ? WHERE key = 'runner_lease'`)
      .run(JSON.stringify({ runnerId: 'other-host', until: T0 + RUNNER_LEASE_MS, epoch: 5, host: 'elsewhere', pid: 999_999 }));
    expect((await alive.tick()).heldBy).toMatchObject({ runnerId: 'other-host' });
  });

  it('a database busy past the timeout ends the tick (a wait, not a crash) without setting anything aside; the next tick does the work', async () => {
    const { app, cli, signUp, count } = twoRunners();
    signUp('+12125550406');
    app.sqlite.pragma('busy_timeout = 0');
    // Another connection is in the middle of a write.
    cli.sqlite.prepare('BEGIN IMMEDIATE').run();
    expect(await app.runtime.tick()).toMatchObject({ busy: true, sent: 0 });
    cli.sqlite.prepare('COMMIT').run();
    const report = await app.runtime.tick();
    expect(report.sent).toBe(1);
    expect(count(`SELECT count(*) FROM enrollments WHERE exit_reason = 'engine_error'`)).toBe(0);
  });
});
