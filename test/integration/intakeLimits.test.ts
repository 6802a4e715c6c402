import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { INTAKE_LIMITS } from '../../src/main/services/untrusted';
import type { ContactsImportResult, EventsIngestResult } from '../../src/shared/api/engine';
import type { ApiResult } from '../../src/shared/api/result';
import type { ContactTimeline } from '../../src/shared/engine/types';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings } from '../../src/shared';
import { linearFlow } from '../support/graphs';

let dir: string;
let postcard: Postcard;
const call = (method: string, input: unknown) => postcard.dispatch(method, input, { transport: 'http' }) as Promise<ApiResult<unknown>>;
async function value<T>(method: string, input: unknown): Promise<T> {
  const result = await call(method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-intake-limits-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
});
afterAll(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (phone: string, extra: Record<string, unknown> = {}) => JSON.stringify({ phone, name: 'viewed', ...extra });
const eventCount = (phone: string): number =>
  Number(postcard.sqlite.prepare('SELECT count(*) FROM events e JOIN contacts c ON c.id = e.contact_id WHERE c.phone = ?').pluck().get(phone));

describe('events NDJSON past the intake limits', () => {
  it('refuses a line nested 5,000 deep by its number and keeps the others (no INTERNAL)', async () => {
    const deep = `{"phone":"+12125550501","name":"viewed","properties":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    const ndjson = [event('+12125550500'), deep, event('+12125550502')].join('\n');
    const result = await value<EventsIngestResult>('events.ingest', { ndjson });
    expect(result).toMatchObject({ ingested: 2, skipped: 1 });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.line).toBe(2);
    expect(result.problems[0]?.message).toContain(`nested more than ${INTAKE_LIMITS.maxDepth} levels`);
    expect([eventCount('+12125550500'), eventCount('+12125550501'), eventCount('+12125550502')]).toEqual([1, 0, 1]);
  });

  it('refuses occurred_at 1e300 (and other dates outside 1970–2099), and the contact timeline still opens', async () => {
    const ndjson = [event('+12125550510', { occurred_at: 1e300 }), event('+12125550510', { occurred_at: '2026-01-05T10:00:00Z' }), event('+12125550510', { occurred_at: -1 })].join(
      '\n',
    );
    const result = await value<EventsIngestResult>('events.ingest', { ndjson });
    expect(result.ingested).toBe(1);
    expect(result.problems.map((p) => [p.line, p.message])).toEqual([
      [1, '"occurred_at" is outside 1970–2099'],
      [3, '"occurred_at" is outside 1970–2099'],
    ]);
    const timeline = await value<ContactTimeline>('contacts.timeline', { phone: '+12125550510' });
    expect(timeline.entries.filter((e) => e.type === 'event')).toHaveLength(1);
  });

  it('keeps the first line of a file that starts with a byte-order mark', async () => {
    const result = await value<EventsIngestResult>('events.ingest', { ndjson: `\uFEFF${event('+12125550520')}\n${event('+12125550521')}\n` });
    expect(result).toMatchObject({ ingested: 2, skipped: 0, problems: [] });
    expect(eventCount('+12125550520')).toBe(1);
  });

  it('refuses a 20 MB property by its line and the limit', async () => {
    const huge = 'x'.repeat(20 * 1024 * 1024);
    const ndjson = [event('+12125550530', { properties: { note: huge } }), event('+12125550531')].join('\n');
    const result = await value<EventsIngestResult>('events.ingest', { ndjson });
    expect(result.ingested).toBe(1);
    expect(result.problems).toMatchObject([{ line: 1 }]);
    expect(result.problems[0]?.message).toContain(`at most ${INTAKE_LIMITS.maxLineChars.toLocaleString('en-US')}`);
    // Under the line limit, a single value over the text limit is refused by name.
    const long = 'y'.repeat(INTAKE_LIMITS.maxTextChars + 1);
    const second = await value<EventsIngestResult>('events.ingest', { ndjson: event('+12125550532', { properties: { note: long } }) });
    expect(second.problems[0]?.message).toBe(`refused: properties.note is ${(INTAKE_LIMITS.maxTextChars + 1).toLocaleString('en-US')} characters long (at most ${INTAKE_LIMITS.maxTextChars.toLocaleString('en-US')})`);
  });
});

describe('contacts CSV past the intake limits', () => {
  it('refuses a 20 MB attribute and a consent date outside the range, by line, and keeps the other rows', async () => {
    const csv = ['phone,bio,consent,consent_at', `+12125550540,${'b'.repeat(20 * 1024 * 1024)},,`, '+12125550541,short,opted_in,3000-01-01', '+12125550542,fine,,'].join('\n');
    const result = await value<ContactsImportResult>('contacts.import', { csv });
    expect(result.created).toBe(1);
    expect(result.problems).toEqual([
      { line: 2, message: `the column "bio" is ${(20 * 1024 * 1024).toLocaleString('en-US')} characters long (at most ${INTAKE_LIMITS.maxTextChars.toLocaleString('en-US')})` },
      { line: 3, message: 'consent_at is outside 1970–2099' },
    ]);
  });
});

describe('documents given to a simulation', () => {
  const documentOf = (extra: Record<string, unknown>) => ({
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'Probe',
    description: '',
    settings: defaultFlowSettings(),
    graph: linearFlow(),
    ...extra,
  });

  it('are checked like flows.import: nesting, prototype keys and sizes are refused by name, before anything runs', async () => {
    let deep: unknown = 'end';
    for (let i = 0; i < 500; i++) deep = { nested: deep };
    const hostile = [
      { document: documentOf({ description: deep }), mentions: 'nested more than 64' },
      { document: JSON.parse(JSON.stringify(documentOf({})).replace('"config":{', '"config":{"__proto__":{"isAdmin":true},')), mentions: '__proto__' },
      { document: documentOf({ description: 'd'.repeat(INTAKE_LIMITS.maxTextChars + 1) }), mentions: 'description is 10,001 characters' },
    ];
    for (const { document, mentions } of hostile) {
      for (const method of ['engine.simulate', 'flows.import']) {
        const result = await call(method, method === 'flows.import' ? { document } : { document, options: { contacts: 10, days: 1 } });
        expect(result.ok, method).toBe(false);
        if (!result.ok) {
          expect([method, result.error.code]).toEqual([method, 'DOCUMENT_INVALID']);
          expect(result.error.message).toContain(mentions);
        }
      }
    }
  });
});
