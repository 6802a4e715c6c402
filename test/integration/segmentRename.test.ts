import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import type { SegmentDetail, SegmentSummary } from '../../src/shared/api/audience';
import type { ApiError, FlowDetail } from '../../src/shared';
import { ok, refused } from '../support/dispatch';
import { edge, graph, node } from '../support/graphs';

/** Renaming and deleting a segment flows refer to, and the live counts the inspectors' pickers show. */

let dir: string;
let postcard: Postcard;

const call = <T>(method: string, input: unknown): Promise<T> => ok<T>(postcard, method, input);
const refusal = (method: string, input: unknown): Promise<ApiError> => refused(postcard, method, input);

const vip = { match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] };
const segmentFlow = (segment: string) =>
  graph(
    [node('t', 'trigger', { type: 'segment_entered', segment }), node('s', 'sms', { body: 'Hello VIP' }), node('x', 'exit')],
    [edge('t', 'next', 's'), edge('s', 'next', 'x')],
  );
const otherFlow = () => segmentFlow('Everyone else');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-segment-rename-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
  await call('contacts.import', { csv: ['phone,tier,consent', '+13055550101,VIP,opted_in', '+14055550102,regular,opted_in', '+12125550103,vip,'].join('\n') });
  await call('segments.save', { name: 'Everyone else', definition: { match: 'all', rules: [] } });
});
afterAll(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('renaming a segment', () => {
  it('is refused while a draft names it, naming the flow; allowed once nothing refers to it', async () => {
    const segment = await call<SegmentDetail>('segments.save', { name: 'VIPs', definition: vip });
    const flow = await call<FlowDetail>('flows.create', { name: 'VIP welcome' });
    const saved = await call<FlowDetail>('flows.saveDraft', { id: flow.id, graph: segmentFlow('VIPs') });

    const error = await refusal('segments.save', { id: segment.id, name: 'Top customers', definition: vip });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"VIP welcome" (draft)');
    expect((await call<SegmentDetail>('segments.get', { id: segment.id })).name).toBe('VIPs');
    // The same name with new rules is a new version, not a rename.
    const edited = await call<SegmentDetail>('segments.save', { id: segment.id, name: 'VIPs', definition: { ...vip, match: 'any' } });
    expect(edited.version).toBe(2);

    await call('flows.saveDraft', { id: flow.id, graph: segmentFlow('Someone else'), baseRevision: saved.revision });
    const renamed = await call<SegmentDetail>('segments.save', { id: segment.id, name: 'Top customers', definition: vip });
    expect(renamed.name).toBe('Top customers');
  });

  it('is refused while a published version uses it, even when the draft no longer does', async () => {
    const segment = await call<SegmentDetail>('segments.save', { name: 'Florida VIPs', definition: vip });
    const flow = await call<FlowDetail>('flows.create', { name: 'Florida launch' });
    const saved = await call<FlowDetail>('flows.saveDraft', { id: flow.id, graph: segmentFlow('Florida VIPs') });
    await call('flows.publish', { id: flow.id });
    await call('flows.saveDraft', { id: flow.id, graph: segmentFlow('Top customers'), baseRevision: saved.revision });

    const error = await refusal('segments.save', { id: segment.id, name: 'Sunshine VIPs', definition: vip });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"Florida launch" (version 1)');
  });

  it('lists each active segment with the number of contacts it matches now, when asked', async () => {
    const list = await call<SegmentSummary[]>('segments.list', { withCounts: true });
    expect(list.find((s) => s.name === 'Florida VIPs')?.count).toBe(2);
    expect((await call<SegmentSummary[]>('segments.list', {}))[0]).not.toHaveProperty('count');
  });
});

describe('deleting a segment', () => {
  it('is refused in words naming the flow when only an archived flow published with it, and every version is kept', async () => {
    const segment = await call<SegmentDetail>('segments.save', { name: 'Spring VIPs', definition: vip });
    const flow = await call<FlowDetail>('flows.create', { name: 'Spring sale' });
    const saved = await call<FlowDetail>('flows.saveDraft', { id: flow.id, graph: segmentFlow('Spring VIPs') });
    await call('flows.publish', { id: flow.id });
    await call('flows.saveDraft', { id: flow.id, graph: otherFlow(), baseRevision: saved.revision });
    await call('engine.archive', { flowId: flow.id, reason: 'season over' });

    const error = await refusal('segments.delete', { id: segment.id });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"Spring sale" (version 1 of the archived flow)');
    expect(error.message).toContain('archive it instead');
    const kept = await call<SegmentDetail>('segments.get', { id: segment.id });
    expect(kept.versions).toHaveLength(1);
    expect(kept.status).toBe('active');

    expect((await call<SegmentDetail>('segments.archive', { id: segment.id })).status).toBe('archived');
  });

  it('is refused while a draft names it, by name or by id, and allowed once no flow refers to it', async () => {
    const segment = await call<SegmentDetail>('segments.save', { name: 'Lapsed VIPs', definition: vip });
    const byName = await call<FlowDetail>('flows.create', { name: 'Win back' });
    const byNameDraft = await call<FlowDetail>('flows.saveDraft', { id: byName.id, graph: segmentFlow('Lapsed VIPs') });
    const byId = await call<FlowDetail>('flows.create', { name: 'Win back, take two' });
    const byIdDraft = await call<FlowDetail>('flows.saveDraft', { id: byId.id, graph: segmentFlow(segment.id) });

    const error = await refusal('segments.delete', { id: segment.id });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"Win back" (draft)');
    expect(error.message).toContain('"Win back, take two" (draft)');
    expect((await call<SegmentDetail>('segments.get', { id: segment.id })).name).toBe('Lapsed VIPs');

    await call('flows.saveDraft', { id: byName.id, graph: otherFlow(), baseRevision: byNameDraft.revision });
    await call('flows.saveDraft', { id: byId.id, graph: otherFlow(), baseRevision: byIdDraft.revision });
    await call('segments.delete', { id: segment.id });
    expect((await refusal('segments.get', { id: segment.id })).code).toBe('NOT_FOUND');
  });
});
