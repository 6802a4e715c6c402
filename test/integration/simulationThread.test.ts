import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { startHost, type Host } from '../../src/main/http/host';
import type { ApiResult } from '../../src/shared/api/result';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings } from '../../src/shared';
import { edge, graph, node } from '../support/graphs';

let dir: string;
let postcard: Postcard;
let host: Host;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-sim-thread-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Postcard</title>');
  postcard = await openPostcard({ dataDir: join(dir, 'data'), seedSamples: true });
  host = await startHost({ postcard, rendererDir });
});
afterAll(async () => {
  await host.close();
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A daily text for a month to many contacts: minutes of work. (A template that loops two million
 * times no longer makes work: the render limits stop it at once, see engineBodyLimit.test.ts.)
 */
const heavyDocument = {
  format: FLOW_DOCUMENT_FORMAT,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  name: 'Heavy',
  description: '',
  settings: { ...defaultFlowSettings(), quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
  graph: graph(
    [
      node('t', 'trigger', { type: 'manual' }),
      node('w', 'wait', { type: 'duration', amount: 1, unit: 'days' }),
      node('s', 'sms', { body: 'Deal of the day for {{ first_name | default: "you" }}: {% for i in (1..3) %}★{% endfor %}' }),
    ],
    [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'w')],
  ),
};

async function post<T>(method: string, input: unknown, base = host.origin, token = host.token): Promise<{ status: number; body: ApiResult<T> }> {
  const response = await fetch(`${base}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as ApiResult<T> };
}

describe('a simulation', () => {
  it('runs off the host thread: other calls answer while it runs, it reports progress, and cancel ends it', async () => {
    const progress: number[] = [];
    const unsubscribe = postcard.events.subscribe((event) => {
      if (event.type === 'engine.simulationProgress' && event.runId === 'heavy-1') progress.push(event.fraction as number);
    });
    let isFinished = false;
    const simulation = post('engine.simulate', { document: heavyDocument, options: { contacts: 20_000, days: 30, seed: 3 }, runId: 'heavy-1' }).finally(() => {
      isFinished = true;
    });
    try {
      // The run is under way when it reports progress...
      for (let i = 0; i < 600 && progress.length === 0 && !isFinished; i++) await new Promise((wait) => setTimeout(wait, 100));
      expect(progress.length).toBeGreaterThan(0);
      // ...and meanwhile the host answers other calls.
      const list = await post<Array<{ name: string }>>('flows.list', {});
      expect(list.status).toBe(200);
      expect(isFinished).toBe(false);

      const cancel = await post<{ wasRunning: boolean }>('engine.cancelSimulation', { runId: 'heavy-1' });
      expect(cancel.body).toEqual({ ok: true, value: { runId: 'heavy-1', wasRunning: true } });
      const { status, body } = await simulation;
      expect(status).toBe(409);
      expect(body.ok ? null : body.error.code).toBe('CANCELLED');
      expect(progress.every((fraction, i) => fraction > 0 && fraction <= 1 && (i === 0 || fraction > (progress[i - 1] as number)))).toBe(true);
      // A finished (or unknown) run is not running.
      expect((await post<{ wasRunning: boolean }>('engine.cancelSimulation', { runId: 'heavy-1' })).body).toEqual({ ok: true, value: { runId: 'heavy-1', wasRunning: false } });
    } finally {
      unsubscribe();
      await post('engine.cancelSimulation', { runId: 'heavy-1' });
    }
  });

  it('ends with `postcard serve` when it gets SIGTERM', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/postcard.mjs');
    const child = spawn(process.execPath, [bin, '--data-dir', join(dir, 'serve-data'), 'serve', '--no-scheduler', '--renderer-dir', join(dir, 'renderer')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const url = await new Promise<URL>((resolveUrl, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(output);
        if (match?.[1]) resolveUrl(new URL(match[1]));
      });
      void exited.then((code) => reject(new Error(`serve exited early (${code}): ${output}`)));
    });
    const token = url.hash.slice('#token='.length);
    const simulation = post('engine.simulate', { document: heavyDocument, options: { contacts: 20_000, days: 30 }, runId: 'heavy-2' }, url.origin, token).catch(() => null);
    // Give the thread time to start working, then stop the host: the process, thread and all, ends.
    await new Promise((wait) => setTimeout(wait, 3_000));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await simulation;
  });
});
