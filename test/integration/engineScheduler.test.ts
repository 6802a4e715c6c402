import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { installFlow } from '../../src/main/engine/sandbox';
import type { ApiResult } from '../../src/shared/api/result';
import { edge, graph, node } from '../support/graphs';
import { flowDocument } from './engineHarness';

const opened: Array<{ postcard: Postcard; dir: string }> = [];
afterEach(async () => {
  for (const { postcard, dir } of opened.splice(0)) {
    await postcard.scheduler.stop();
    postcard.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function open(startScheduler?: boolean): Promise<Postcard> {
  const dir = mkdtempSync(join(tmpdir(), 'postcard-scheduler-'));
  const postcard = await openPostcard({ dataDir: dir, seedSamples: false, startScheduler });
  opened.push({ postcard, dir });
  return postcard;
}

async function call<T>(postcard: Postcard, method: string, input: unknown): Promise<T> {
  const result = (await postcard.dispatch(method, input, { transport: 'cli' })) as ApiResult<T>;
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

/** A live flow that texts once, with quiet hours off so the real clock's hour does not matter. */
async function liveFlowWithContact(postcard: Postcard): Promise<void> {
  const doc = flowDocument(
    graph(
      [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Hello {{ first_name }}' }), node('x', 'exit')],
      [edge('t', 'next', 's'), edge('s', 'next', 'x')],
    ),
    { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
  );
  installFlow(postcard.sqlite, 'live', doc, Date.now());
  await call(postcard, 'contacts.import', { csv: 'phone,first_name,consent\n+12125550150,Ava,opted_in' });
  await call(postcard, 'engine.enroll', { flowId: 'live', phones: ['+12125550150'] });
}

const messageStatus = (postcard: Postcard): unknown => postcard.sqlite.prepare('SELECT status FROM messages').pluck().get();

describe('the live scheduler in the composition root', () => {
  it('does not run unless asked: an enrolled contact stays queued', async () => {
    const postcard = await open();
    await liveFlowWithContact(postcard);
    expect(postcard.scheduler.isRunning).toBe(false);
    expect(postcard.scheduler.isStopped).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messageStatus(postcard)).toBe('queued');
  });

  it('with startScheduler the queued message goes out on the real clock, and stop() ends the loop', async () => {
    const postcard = await open(true);
    expect(postcard.scheduler.isRunning).toBe(true);
    await liveFlowWithContact(postcard);
    // The default simulator refuses about one send in a hundred as transient (drawn per attempt
    // on the real clock), and the engine then retries it 15-30 s later: either outcome shows
    // that the scheduler took the message to the provider.
    const retries = (): number => postcard.sqlite.prepare(`SELECT count(*) FROM message_events WHERE status = 'retry'`).pluck().get() as number;
    const wasSent = (): boolean => messageStatus(postcard) !== 'queued' || retries() > 0;
    // The scheduler looks at the database at least once a second; give it a generous while.
    for (let i = 0; i < 100 && !wasSent(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(wasSent()).toBe(true);
    const accepted = postcard.sqlite.prepare('SELECT count(*) FROM simulator_messages').pluck().get();
    expect(accepted).toBe(retries() > 0 ? 0 : 1);
    await postcard.scheduler.stop();
    expect(postcard.scheduler.isRunning).toBe(false);
    postcard.close();
    expect(postcard.sqlite.open).toBe(false);
  });

  it('close() without stop() still closes the database once the loop has ended', async () => {
    const postcard = await open(true);
    postcard.close();
    for (let i = 0; i < 50 && postcard.sqlite.open; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(postcard.sqlite.open).toBe(false);
  });
});
