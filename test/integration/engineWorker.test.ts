import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import type { PostcardEvent } from '../../src/main/api/events';
import { createEventBus } from '../../src/main/api/events';
import { DATABASE_FILE } from '../../src/main/db/open';
import { WorkerScheduler, workerEntry } from '../../src/main/engine/workerHost';
import type { ApiResult } from '../../src/shared/api/result';
import type { FlowGraph } from '../../src/shared';
import { edge, graph, node } from '../support/graphs';
import { flowDocument } from './engineHarness';

const dirs: string[] = [];
const opened: Postcard[] = [];
afterEach(async () => {
  for (const postcard of opened.splice(0)) {
    await postcard.scheduler.stop();
    postcard.close();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'postcard-worker-'));
  dirs.push(dir);
  return dir;
}

async function open(dataDir: string): Promise<Postcard> {
  const postcard = await openPostcard({ dataDir, seedSamples: false, scheduler: 'worker', schedulerPollMs: 200 });
  opened.push(postcard);
  return postcard;
}

async function call<T>(postcard: Postcard, method: string, input: unknown): Promise<T> {
  const result = (await postcard.dispatch(method, input, { transport: 'cli' })) as ApiResult<T>;
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls (bounded) until `done` holds; returns whether it did. */
async function until(done: () => boolean, attempts = 300, everyMs = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (done()) return true;
    await pause(everyMs);
  }
  return done();
}

const phone = (i: number) => `+1212${String(2_000_000 + i)}`;

/** Imported and published through the API; quiet hours off so the real clock's hour does not matter. */
async function publish(postcard: Postcard, flowGraph: FlowGraph): Promise<string> {
  const document = flowDocument(flowGraph, { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } });
  const flow = await call<{ id: string }>(postcard, 'flows.import', { document });
  await call(postcard, 'flows.publish', { id: flow.id });
  return flow.id;
}

const welcomeFlow = () =>
  graph(
    [node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }), node('s', 'sms', { body: 'Welcome!' }), node('x', 'exit')],
    [edge('t', 'next', 's'), edge('s', 'next', 'x')],
  );

async function importContacts(postcard: Postcard, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => `${phone(i)},opted_in`);
  await call(postcard, 'contacts.import', { csv: `phone,consent\n${rows.join('\n')}` });
}

async function signUp(postcard: Postcard, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ phone: phone(i), name: 'signed_up' }));
  await call(postcard, 'events.ingest', { ndjson: lines.join('\n') });
}

const count = (postcard: Postcard, sql: string): number => Number(postcard.sqlite.prepare(sql).pluck().get());
const accepted = (postcard: Postcard) => count(postcard, 'SELECT count(*) FROM messages WHERE accepted_at IS NOT NULL');
/** Sent, or tried once and waiting for a retry (the default simulator refuses a few sends transiently). */
const attempted = (postcard: Postcard) => count(postcard, 'SELECT count(*) FROM messages WHERE accepted_at IS NOT NULL OR attempts > 0');

describe('the live scheduler in a worker thread', () => {
  it('runs from source: the worker entry resolves to worker.ts beside its host', () => {
    expect(workerEntry()).toMatch(/src[\\/]main[\\/]engine[\\/]worker\.ts$/);
  });

  it("sends a published flow's messages end to end and its count changes reach the main thread's bus", async () => {
    const postcard = await open(tempDir());
    const seen: PostcardEvent[] = [];
    postcard.events.subscribe((event) => seen.push(event));
    const flowId = await publish(postcard, welcomeFlow());
    await importContacts(postcard, 3);
    await signUp(postcard, 3);
    // One send in a hundred is refused transiently by the default simulator and retried 15-30 s later.
    expect(await until(() => accepted(postcard) === 3, 450)).toBe(true);
    expect(count(postcard, 'SELECT count(*) FROM simulator_messages')).toBe(3);
    expect(await until(() => seen.some((e) => e.type === 'engine.countsChanged'))).toBe(true);
    const changed = seen.filter((e) => e.type === 'engine.countsChanged').flatMap((e) => (e as { flowIds?: string[] }).flowIds ?? []);
    expect(changed).toContain(flowId);
    const counts = await call<{ nodes: Record<string, { entered: number; sent: number }> }>(postcard, 'engine.nodeCounts', { flowId });
    expect(counts.nodes.t?.entered).toBe(3);
    expect(counts.nodes.s?.sent).toBe(3);
  });

  it('the main thread answers API calls while the worker works through 5,000 enrollments', async () => {
    const total = 5_000;
    const postcard = await open(tempDir());
    await publish(postcard, welcomeFlow());
    await importContacts(postcard, total);
    await signUp(postcard, total);
    // Progress as each API call completes: enrollments made and messages accepted so far.
    const samples: Array<{ enrolled: number; sent: number }> = [];
    for (let i = 0; i < 20_000 && attempted(postcard) < total; i++) {
      await call(postcard, 'flows.list', {});
      samples.push({ enrolled: count(postcard, 'SELECT count(*) FROM enrollments'), sent: attempted(postcard) });
    }
    expect(attempted(postcard)).toBe(total);
    const during = samples.filter((s) => s.enrolled > 0 && s.sent < total);
    // Calls completed after the worker had begun and before it had finished: it never held the thread.
    expect(during.length).toBeGreaterThan(0);
    expect(new Set(during.map((s) => s.sent + s.enrolled)).size).toBeGreaterThan(1);
  });

  it('resumes its timers after close and reopen, and close() stops the thread with the database closed', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    const waitFlow = graph(
      [
        node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
        node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
        node('s', 'sms', { body: 'An hour later' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
    );
    await publish(first, waitFlow);
    await importContacts(first, 2);
    await signUp(first, 2);
    expect(await until(() => count(first, `SELECT count(*) FROM enrollments WHERE node_id = 'w' AND wake_at IS NOT NULL`) === 2)).toBe(true);
    expect(accepted(first)).toBe(0);
    await first.scheduler.stop();
    expect(first.scheduler.isRunning).toBe(false);
    first.close();
    expect(first.sqlite.open).toBe(false);
    opened.splice(opened.indexOf(first), 1);

    // The hour passes while the app is closed.
    const { default: Database } = await import('better-sqlite3');
    const file = new Database(join(dataDir, 'postcard.db'));
    const hour = 3_600_000;
    file.prepare('UPDATE enrollments SET entered_at = entered_at - ?, node_entered_at = node_entered_at - ?, wake_at = wake_at - ?').run(hour, hour, hour);
    file.close();

    const second = await open(dataDir);
    expect(await until(() => attempted(second) === 2)).toBe(true);
    expect(second.sqlite.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
  });

  describe('a thread that dies', () => {
    const crashingEntry = join(import.meta.dirname, 'crashingSchedulerWorker.ts');
    const hosts: WorkerScheduler[] = [];
    afterEach(async () => {
      for (const host of hosts.splice(0)) await host.stop();
      delete process.env.POSTCARD_TEST_WORKER_CRASHES;
    });

    /** A data dir with a live flow and one enrolled contact whose welcome text waits in the outbox (no scheduler yet). */
    async function queuedWelcome(): Promise<{ postcard: Postcard; file: string }> {
      const dataDir = tempDir();
      const postcard = await openPostcard({ dataDir, seedSamples: false, scheduler: 'off' });
      opened.push(postcard);
      const flowId = await publish(postcard, graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Welcome!' }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]));
      await importContacts(postcard, 1);
      await call(postcard, 'engine.enroll', { flowId, phones: [phone(0)] });
      expect(count(postcard, `SELECT count(*) FROM messages WHERE status = 'queued'`)).toBe(1);
      return { postcard, file: join(dataDir, DATABASE_FILE) };
    }

    it('is started again, says so, and the queued message still goes out', async () => {
      process.env.POSTCARD_TEST_WORKER_CRASHES = '1';
      const { postcard, file } = await queuedWelcome();
      const errors: string[] = [];
      const host = new WorkerScheduler({ file, events: createEventBus(), entry: crashingEntry, pollMs: 100, restartDelayMs: 50, onError: (m) => errors.push(m) });
      hosts.push(host);
      host.start();
      expect(await until(() => attempted(postcard) === 1)).toBe(true);
      expect(host.starts).toBe(2);
      expect(errors.some((m) => m.includes('simulated scheduler crash 1'))).toBe(true);
      expect(errors.some((m) => /ended unexpectedly \(exit code 1\); starting it again in 50 ms/.test(m))).toBe(true);
      expect(host.isRunning).toBe(true);
    });

    it('waits longer after each death in a row, and stop() cancels the restart it was waiting for', async () => {
      process.env.POSTCARD_TEST_WORKER_CRASHES = '1000';
      const { file } = await queuedWelcome();
      const errors: string[] = [];
      const host = new WorkerScheduler({ file, events: createEventBus(), entry: crashingEntry, restartDelayMs: 40, onError: (m) => errors.push(m) });
      hosts.push(host);
      host.start();
      const restarts = () => errors.filter((m) => m.includes('ended unexpectedly'));
      expect(await until(() => restarts().length >= 3, 400, 50)).toBe(true);
      expect(restarts().slice(0, 3).map((m) => /in (\d+ ms)/.exec(m)?.[1])).toEqual(['40 ms', '80 ms', '160 ms']);
      await host.stop();
      const startsAtStop = host.starts;
      await pause(1_000);
      expect(host.starts).toBe(startsAtStop);
      expect(host.isRunning).toBe(false);
    });
  });
});
