import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { engineFor } from '../../src/main/api/handlers/engine';
import type { ApiResult } from '../../src/shared/api/result';
import { defaultFlowSettings } from '../../src/shared/flow/settings';
import type { SimulationResult } from '../../src/shared/engine/types';

let dir: string;
let postcard: Postcard;
const call = async <T>(method: string, input: unknown): Promise<T> => {
  const result = (await postcard.dispatch(method, input, { transport: 'cli' })) as ApiResult<T>;
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
};
const callError = async (method: string, input: unknown): Promise<string> => {
  const result = await postcard.dispatch(method, input, { transport: 'cli' });
  if (result.ok) throw new Error(`${method} unexpectedly succeeded`);
  return result.error.code;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-engine-api-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: true });
});
afterAll(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('engine API', () => {
  it('imports contacts from CSV, reports bad rows by line, infers zones', async () => {
    const csv = [
      'phone,first_name,time_zone,consent,mms_capable',
      '(212) 555-0150,Ava,,opted_in,',
      '+14155550151,Liam,America/Los_Angeles,opted_in,no',
      'garbage,Zoe,,opted_in,',
      '+13125550152,Maya,Mars/Olympus,opted_in,',
    ].join('\n');
    const result = await call<{ created: number; problems: Array<{ line: number }> }>('contacts.import', { csv });
    expect(result.created).toBe(2);
    expect(result.problems.map((p) => p.line)).toEqual([4, 5]);
    expect(postcard.sqlite.prepare(`SELECT time_zone FROM contacts WHERE phone = '+12125550150'`).pluck().get()).toBe('America/New_York');
    expect(await callError('contacts.import', { csv: 'name\nx' })).toBe('INVALID_INPUT');
  });

  it('ingests NDJSON events and runs the published sample flow live, with counts and a timeline', async () => {
    const flows = await call<Array<{ id: string; name: string }>>('flows.list', {});
    const sample = flows.find((f) => f.name.startsWith('Abandoned cart')) as { id: string };
    await call('flows.publish', { id: sample.id });
    const ndjson = [
      JSON.stringify({ phone: '+12125550150', name: 'cart_abandoned', occurred_at: new Date().toISOString() }),
      'not json',
      JSON.stringify({ phone: '+14155550151', event: 'cart_abandoned' }),
    ].join('\n');
    const ingest = await call<{ ingested: number; problems: Array<{ line: number }> }>('events.ingest', { ndjson });
    expect(ingest.ingested).toBe(2);
    expect(ingest.problems).toEqual([{ line: 2, message: 'not valid JSON' }]);

    const changes: unknown[] = [];
    const unsubscribe = postcard.events.subscribe((event) => changes.push(event));
    await engineFor(postcard).runtime.tick();
    unsubscribe();
    const counts = await call<{ nodes: Record<string, { entered: number; waiting: number }> }>('engine.nodeCounts', { flowId: sample.id });
    expect(counts.nodes.trigger?.entered).toBe(2);
    expect(counts.nodes.wait_1h?.waiting).toBe(2);
    expect(changes).toContainEqual({ type: 'engine.countsChanged', flowIds: [sample.id] });

    const timeline = await call<{ entries: Array<{ type: string }> }>('contacts.timeline', { phone: '212-555-0150' });
    expect(timeline.entries.map((e) => e.type)).toEqual(expect.arrayContaining(['consent', 'event', 'enrolled', 'step']));
    expect(await callError('contacts.timeline', { phone: '+19995550000' })).toBe('NOT_FOUND');

    const paused = await call<{ status: string }>('engine.pause', { flowId: sample.id });
    expect(paused.status).toBe('paused');
    await call('engine.resume', { flowId: sample.id });
    const archived = await call<{ exitedEnrollments: number }>('engine.archive', { flowId: sample.id, reason: 'season over' });
    expect(archived.exitedEnrollments).toBe(2);
    const reasons = postcard.sqlite.prepare('SELECT DISTINCT exit_reason FROM enrollments').pluck().all();
    expect(reasons).toEqual(['archived: season over']);
    expect(await callError('engine.enroll', { flowId: sample.id, phones: ['+12125550150'] })).toBe('CONFLICT');
  });

  it('simulates a flow draft without touching live data, reproducibly', async () => {
    const flows = await call<Array<{ id: string; name: string }>>('flows.list', {});
    const sample = flows.find((f) => f.name.startsWith('Abandoned cart')) as { id: string };
    const before = postcard.sqlite.prepare('SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM enrollments)').pluck().get();
    const options = { contacts: 300, days: 3, seed: 42, sampleTimelines: 2 };
    const a = await call<SimulationResult>('engine.simulate', { flowId: sample.id, options });
    const b = await call<SimulationResult>('engine.simulate', { flowId: sample.id, options });
    expect(a).toEqual(b);
    const c = await call<SimulationResult>('engine.simulate', { flowId: sample.id, options: { ...options, seed: 43 } });
    expect(c.totals).not.toEqual(a.totals);
    expect(a.totals.contacts).toBe(300);
    expect(a.nodeCounts.mms_cart?.entered).toBeGreaterThan(0);
    expect(a.totals.messagesByChannel.mms).toBeGreaterThan(0);
    expect(a.totals.fellBack).toBe(a.nodeCounts.mms_cart?.fellBack);
    expect(a.nodeCounts.sms_cart?.entered).toBe(a.totals.fellBack);
    expect(a.cost.total).toBeCloseTo(a.cost.sms + a.cost.mms, 6);
    expect(a.sampleTimelines).toHaveLength(2);
    const after = postcard.sqlite.prepare('SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM enrollments)').pluck().get();
    expect(after).toBe(before);
    expect(await callError('engine.simulate', { document: { format: 'nope' } })).toBe('DOCUMENT_INVALID');
    const invalid = { format: 'postcard.flow', schemaVersion: 2, name: 'x', settings: defaultFlowSettings(), graph: { nodes: [], edges: [] } };
    expect(await callError('engine.simulate', { document: invalid })).toBe('FLOW_INVALID');
  });

  it('`postcard simulate --json` prints one JSON object with the same result for the same seed', () => {
    const file = join(dir, 'flow.json');
    writeFileSync(file, JSON.stringify(postcard.services.flows.export(postcard.services.flows.list()[0]!.id)));
    const run = (): SimulationResult =>
      JSON.parse(execFileSync(process.execPath, ['bin/postcard.mjs', 'simulate', file, '--contacts', '200', '--days', '2', '--seed', '5', '--start', '2026-01-05T15:00:00Z', '--json'], { encoding: 'utf8' }));
    const first = run();
    expect(Object.keys(first.nodeCounts).length).toBeGreaterThan(0);
    expect(first.totals.contacts).toBe(200);
    expect(run()).toEqual(first);
  });
});
