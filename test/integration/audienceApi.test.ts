import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { audienceFor } from '../../src/main/api/handlers/audience';
import type { AudienceCatalog, ContactPreferences, SegmentDetail, SegmentPreview } from '../../src/shared/api/audience';
import type { ApiError, FlowDetail } from '../../src/shared';
import { linearFlow } from '../support/graphs';

/** Segments and preferences through the API dispatch, against a real database. */

let dir: string;
let postcard: Postcard;

async function call<T>(method: string, input: unknown): Promise<T> {
  const result = await postcard.dispatch(method, input, { transport: 'http' });
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}
async function refusal(method: string, input: unknown): Promise<ApiError> {
  const result = await postcard.dispatch(method, input, { transport: 'http' });
  if (result.ok) throw new Error(`${method} was expected to be refused`);
  return result.error;
}

const vip = { match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-audience-api-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
  const csv = ['phone,tier,consent', '+13055550101,VIP,opted_in', '+14055550102,regular,opted_in', '+12125550103,vip,'].join('\n');
  await call('contacts.import', { csv });
});
afterAll(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('segments', () => {
  it('previews a count and a sample as the rules are edited, and reports rule problems as data', async () => {
    const preview = await call<SegmentPreview>('segments.preview', { definition: vip, sampleSize: 5 });
    expect(preview.count).toBe(2);
    expect(preview.sample.map((c) => c.phone)).toEqual(['+13055550101', '+12125550103']);
    const broken = await call<SegmentPreview>('segments.preview', {
      definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'points', operator: 'greater_than', values: ['3'] }] },
    });
    expect(broken.count).toBeNull();
    expect(broken.problems[0]?.code).toBe('UNKNOWN_ATTRIBUTE');
  });

  it('declaring an attribute as a date makes date rules check their values', async () => {
    const catalog = await call<AudienceCatalog>('audience.declareAttribute', { name: 'birthday', type: 'date' });
    expect(catalog.attributes).toContainEqual({ name: 'birthday', type: 'date' });
    const error = await refusal('segments.save', {
      name: 'Birthdays',
      definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'birthday', operator: 'greater_than', values: ['31/12/1999'] }] },
    });
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('"31/12/1999" is not a date');
    expect(await call('segments.list', {})).toEqual([]);
  });

  it('saves versions like flows: a changed definition adds a version, a rename does not', async () => {
    const first = await call<SegmentDetail>('segments.save', { name: 'VIPs', definition: vip });
    expect(first.version).toBe(1);
    const renamed = await call<SegmentDetail>('segments.save', { id: first.id, name: 'VIP customers', definition: vip });
    expect(renamed.version).toBe(1);
    const floridaVips = { match: 'all', rules: [...vip.rules, { type: 'location', field: 'state', operator: 'in', values: ['FL'] }] };
    const second = await call<SegmentDetail>('segments.save', { id: first.id, name: 'VIP customers', definition: floridaVips });
    expect(second.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(second.definition).toEqual(floridaVips);
    expect((await refusal('segments.save', { name: 'VIP customers', definition: vip })).code).toBe('CONFLICT');
  });

  it('a segment a published flow uses cannot be deleted, only archived; an unused one can be deleted', async () => {
    const segment = await call<SegmentDetail>('segments.save', { name: 'In use', definition: vip });
    const flow = await call<FlowDetail>('flows.create', { name: 'VIP welcome' });
    await call('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    await call('flows.publish', { id: flow.id });
    const flowVersionId = postcard.sqlite.prepare('SELECT id FROM flow_versions WHERE flow_id = ?').pluck().get(flow.id) as string;
    const segments = audienceFor(postcard).segments;
    segments.recordUse(flowVersionId, [segments.latestVersion(segment.id).id]);

    const error = await refusal('segments.delete', { id: segment.id });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"VIP welcome" (version 1)');
    expect(error.message).toContain('archive it instead');
    const archived = await call<SegmentDetail>('segments.archive', { id: segment.id });
    expect(archived.status).toBe('archived');
    expect(archived.versions).toHaveLength(1);
    expect((await call<SegmentDetail[]>('segments.list', {})).map((s) => s.name)).not.toContain('In use');

    const unused = await call<SegmentDetail>('segments.save', { name: 'Unused', definition: vip });
    await call('segments.delete', { id: unused.id });
    expect((await refusal('segments.get', { id: unused.id })).code).toBe('NOT_FOUND');
  });
});

describe('preference center and consent ledger', () => {
  it('shows channel consent, categories and the ledger; each change is recorded with its source', async () => {
    const before = await call<ContactPreferences>('contacts.preferences', { phone: '+13055550101' });
    expect(before.channels).toEqual({ sms: 'opted_in', mms: 'opted_in' });
    expect(before.categories.map((c) => [c.id, c.isSubscribed])).toEqual([
      ['back_in_stock', true],
      ['order_updates', true],
      ['promotions', true],
    ]);
    const after = await call<ContactPreferences>('contacts.setPreference', {
      phone: '(305) 555-0101',
      change: { type: 'category', category: 'promotions', state: 'unsubscribed' },
      source: 'web_form',
      detail: 'preference page',
    });
    expect(after.categories.find((c) => c.id === 'promotions')).toMatchObject({ isSubscribed: false, isChosen: true });
    expect(after.ledger[0]).toMatchObject({ kind: 'unsubscribe', category: 'promotions', source: 'web_form', detail: 'preference page' });
    expect(after.channels.sms).toBe('opted_in');
  });

  it('pauses until a date, refuses a malformed one, and opts out with a reason', async () => {
    const paused = await call<ContactPreferences>('contacts.setPreference', {
      phone: '+14055550102',
      change: { type: 'pause', until: '2099-01-31' },
      source: 'agent',
    });
    expect(paused.pausedUntil).toBe('2099-01-31T00:00:00.000Z');
    const error = await refusal('contacts.setPreference', { phone: '+14055550102', change: { type: 'pause', until: '31.01.2099' }, source: 'agent' });
    expect(error.message).toContain('"31.01.2099" is not a date');
    const optedOut = await call<ContactPreferences>('contacts.setPreference', {
      phone: '+14055550102',
      change: { type: 'channel', channel: 'all', state: 'opted_out' },
      source: 'agent',
      detail: 'asked on the phone',
    });
    expect(optedOut.channels).toEqual({ sms: 'opted_out', mms: 'opted_out' });
    expect(optedOut.ledger.map((e) => e.kind)).toEqual(['opt_out', 'pause', 'opt_in']);
    const pausedSegment = await call<SegmentPreview>('segments.preview', { definition: { match: 'all', rules: [{ type: 'paused', isPaused: true }] } });
    expect(pausedSegment.count).toBe(1);
  });

  it('refuses an unknown category and an unknown phone by name', async () => {
    expect((await refusal('contacts.setPreference', { phone: '+13055550101', change: { type: 'category', category: 'flash', state: 'subscribed' }, source: 'api' })).message).toContain(
      '"flash"',
    );
    expect((await refusal('contacts.preferences', { phone: '+19995550000' })).code).toBe('NOT_FOUND');
  });

  it('exports the whole ledger as CSV with phone, time, kind, channel, category, source and detail', async () => {
    const { csv, rows } = await call<{ csv: string; rows: number }>('consent.exportCsv', {});
    const records = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(rows);
    expect(records.filter((r) => r.phone === '+14055550102').map((r) => [r.kind, r.source, r.detail])).toEqual([
      ['opt_in', 'import', 'imported, line 3'],
      ['pause', 'agent', 'paused until 2099-01-31T00:00:00.000Z'],
      ['opt_out', 'agent', 'asked on the phone'],
    ]);
  });
});

describe('contact import types new columns', () => {
  it('declares numbers, dates and text from the values; a ZIP code keeps its zero; a bad date in a date column refuses its row', async () => {
    const csv = ['phone,points,signup_day,zip', '+13125550111,120,2024-02-29,02134', '+13125550112,7,2023-11-05,60601'].join('\n');
    await call('contacts.import', { csv });
    const catalog = await call<AudienceCatalog>('audience.catalog', {});
    expect(catalog.attributes.filter((a) => ['points', 'signup_day', 'zip'].includes(a.name))).toEqual([
      { name: 'points', type: 'number' },
      { name: 'signup_day', type: 'date' },
      { name: 'zip', type: 'text' },
    ]);
    const rich = await call<SegmentPreview>('segments.preview', {
      definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'points', operator: 'greater_than', values: ['100'] }] },
    });
    expect(rich.sample.map((c) => c.attributes)).toEqual([{ points: 120, signup_day: '2024-02-29', zip: '02134' }]);
    const result = await call<{ created: number; problems: Array<{ line: number; message: string }> }>('contacts.import', {
      csv: ['phone,signup_day', '+13125550113,2025-02-29', '+13125550114,2025-03-01'].join('\n'),
    });
    expect(result.created).toBe(1);
    expect(result.problems).toEqual([{ line: 2, message: 'signup_day "2025-02-29" is not a date (expected YYYY-MM-DD)' }]);
  });
});

describe('enroll a segment on a live flow', () => {
  it('counts first, enrolls on confirmation, and the re-entry rule keeps those already in out', async () => {
    const segment = await call<SegmentDetail>('segments.save', { name: 'All VIPs', definition: vip });
    const flow = await call<FlowDetail>('flows.create', { name: 'VIP broadcast' });
    await call('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    const draftOnly = await refusal('segments.enroll', { segmentId: segment.id, flowId: flow.id, isConfirmed: true });
    expect(draftOnly.message).toContain('only a live flow');
    await call('flows.publish', { id: flow.id });
    expect(await call('segments.enroll', { segmentId: segment.id, flowId: flow.id })).toEqual({ matched: 2, enrolled: 0, refused: 0 });
    expect(postcard.sqlite.prepare('SELECT count(*) FROM enrollments WHERE flow_id = ?').pluck().get(flow.id)).toBe(0);
    expect(await call('segments.enroll', { segmentId: segment.id, flowId: flow.id, isConfirmed: true })).toEqual({ matched: 2, enrolled: 2, refused: 0 });
    expect(await call('segments.enroll', { segmentId: segment.id, flowId: flow.id, isConfirmed: true })).toEqual({ matched: 2, enrolled: 0, refused: 2 });
  });
});
