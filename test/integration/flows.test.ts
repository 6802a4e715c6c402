import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import type { PostcardEvent } from '../../src/main/api/events';
import {
  CURRENT_SCHEMA_VERSION,
  FLOW_DOCUMENT_FORMAT,
  defaultFlowSettings,
  type ApiResult,
  type FlowDetail,
  type FlowDocument,
  type FlowSummary,
  type FlowValidation,
  type PublishResult,
  type SaveDraftResult,
} from '../../src/shared';
import { edge, graph, linearFlow, node } from '../support/graphs';

let dir: string;
let postcard: Postcard;
let events: PostcardEvent[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-flows-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
  events = [];
  postcard.events.subscribe((event) => events.push(event));
});

afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, input: unknown): Promise<ApiResult<unknown>> => postcard.dispatch(method, input);

async function ok<T>(method: string, input: unknown): Promise<T> {
  const result = await call(method, input);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

async function refused(method: string, input: unknown): Promise<{ code: string; message: string; details?: unknown }> {
  const result = await call(method, input);
  if (result.ok) throw new Error(`${method} should have been refused`);
  return result.error;
}

const rowCount = (table: string): number => (postcard.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

function documentOf(overrides: Partial<Record<keyof FlowDocument, unknown>> = {}): Record<string, unknown> {
  return {
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'Imported journey',
    description: 'From a file',
    settings: defaultFlowSettings(),
    graph: linearFlow(),
    ...overrides,
  };
}

describe('create, list, rename, duplicate, delete', () => {
  it('creates an empty draft flow and lists it', async () => {
    const created = await ok<FlowDetail>('flows.create', { name: '  Welcome series  ' });
    expect(created).toMatchObject({ name: 'Welcome series', status: 'draft', revision: 0, versions: [], hasUnpublishedChanges: true });
    expect(created.graph).toEqual({ nodes: [], edges: [] });
    expect(created.validation.issues.map((issue) => issue.code)).toEqual(['FLOW_EMPTY']);
    const list = await ok<FlowSummary[]>('flows.list', {});
    expect(list).toMatchObject([{ id: created.id, name: 'Welcome series', nodeCount: 0, latestVersion: null }]);
    expect(events).toEqual([{ type: 'flows.changed', flowId: created.id }]);
  });

  it('searches names case-insensitively, most recently edited first', async () => {
    await ok('flows.create', { name: 'Welcome series' });
    await ok('flows.create', { name: 'Black Friday' });
    const winBack = await ok<FlowDetail>('flows.create', { name: 'Win-back WELCOME offer' });
    const found = await ok<FlowSummary[]>('flows.list', { search: 'welcome' });
    expect(found.map((flow) => flow.name)).toEqual(['Win-back WELCOME offer', 'Welcome series']);
    expect(found[0]?.id).toBe(winBack.id);
    expect(await ok<FlowSummary[]>('flows.list', { search: 'FRIDAY' })).toHaveLength(1);
    expect(await ok<FlowSummary[]>('flows.list', { search: '%' })).toEqual([]);
  });

  it('renames without touching the draft revision', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Old name' });
    const renamed = await ok<FlowSummary>('flows.rename', { id: flow.id, name: 'New name' });
    expect(renamed.name).toBe('New name');
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).revision).toBe(0);
    expect((await refused('flows.rename', { id: 'missing', name: 'x' })).code).toBe('NOT_FOUND');
    expect((await refused('flows.rename', { id: flow.id, name: '   ' })).code).toBe('INVALID_INPUT');
  });

  it('duplicates the draft as "Copy of …", unpublished', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Original' });
    await ok('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    await ok('flows.publish', { id: flow.id });
    const copy = await ok<FlowDetail>('flows.duplicate', { id: flow.id });
    expect(copy.id).not.toBe(flow.id);
    expect(copy).toMatchObject({ name: 'Copy of Original', status: 'draft', versions: [], revision: 0 });
    expect(copy.graph).toEqual(linearFlow());
    const named = await ok<FlowDetail>('flows.duplicate', { id: flow.id, name: 'Variant B' });
    expect(named.name).toBe('Variant B');
  });

  it('deletes a flow with its versions', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Doomed' });
    await ok('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    await ok('flows.publish', { id: flow.id });
    expect(rowCount('flow_versions')).toBe(1);
    expect(await ok('flows.delete', { id: flow.id })).toEqual({ id: flow.id });
    expect(rowCount('flows')).toBe(0);
    expect(rowCount('flow_versions')).toBe(0);
    expect((await refused('flows.get', { id: flow.id })).code).toBe('NOT_FOUND');
    expect((await refused('flows.delete', { id: flow.id })).code).toBe('NOT_FOUND');
  });
});

describe('draft autosave', () => {
  it('bumps the revision on every save and returns the validation', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Draft' });
    const first = await ok<SaveDraftResult>('flows.saveDraft', { id: flow.id, baseRevision: 0, graph: linearFlow() });
    expect(first.revision).toBe(1);
    expect(first.validation.hasErrors).toBe(false);
    const settings = { ...defaultFlowSettings(), goalEvent: 'purchased' };
    const second = await ok<SaveDraftResult>('flows.saveDraft', {
      id: flow.id,
      baseRevision: 1,
      graph: graph([node('t', 'trigger')]),
      settings,
      description: 'Now with a goal',
    });
    expect(second.revision).toBe(2);
    expect(second.validation.hasErrors).toBe(true);
    const detail = await ok<FlowDetail>('flows.get', { id: flow.id });
    expect(detail).toMatchObject({ revision: 2, description: 'Now with a goal', settings });
    expect(detail.graph.nodes).toHaveLength(1);
  });

  it('refuses a save based on an old revision (CONFLICT) and keeps the newer draft', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Two windows' });
    await ok('flows.saveDraft', { id: flow.id, baseRevision: 0, graph: linearFlow() });
    const before = events.length;
    const conflict = await refused('flows.saveDraft', { id: flow.id, baseRevision: 0, graph: graph([]) });
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.details).toEqual({ currentRevision: 1 });
    const detail = await ok<FlowDetail>('flows.get', { id: flow.id });
    expect(detail.revision).toBe(1);
    expect(detail.graph.nodes).toHaveLength(4);
    expect(events).toHaveLength(before);
    // Without a base revision the save overwrites (an explicit "keep mine").
    expect((await ok<SaveDraftResult>('flows.saveDraft', { id: flow.id, graph: graph([]) })).revision).toBe(2);
  });

  it('refuses a malformed graph before anything is written', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Careful' });
    const bad = await refused('flows.saveDraft', {
      id: flow.id,
      graph: { nodes: [{ id: 'n1', kind: 'teleport', position: { x: 0, y: 0 }, config: {} }], edges: [] },
    });
    expect(bad.code).toBe('INVALID_INPUT');
    expect(bad.message).toContain('graph.nodes[0]');
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).revision).toBe(0);
  });
});

describe('publishing', () => {
  it('is blocked while the draft has errors, with the issues in details', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Not ready' });
    await ok('flows.saveDraft', { id: flow.id, graph: graph([node('s', 'sms', { body: '' })]) });
    const blocked = await refused('flows.publish', { id: flow.id });
    expect(blocked.code).toBe('FLOW_INVALID');
    const codes = (blocked.details as { issues: FlowValidation['issues'] }).issues.map((issue) => issue.code);
    expect(codes).toEqual(expect.arrayContaining(['FLOW_NO_TRIGGER', 'MESSAGE_BODY_EMPTY']));
    expect(rowCount('flow_versions')).toBe(0);
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).status).toBe('draft');
  });

  it('snapshots the draft as immutable, numbered versions', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Welcome' });
    await ok('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    const v1 = await ok<PublishResult>('flows.publish', { id: flow.id });
    expect(v1).toMatchObject({ version: 1, status: 'live' });
    let detail = await ok<FlowDetail>('flows.get', { id: flow.id });
    expect(detail).toMatchObject({ status: 'live', hasUnpublishedChanges: false });
    expect(detail.versions).toMatchObject([{ version: 1, nodeCount: 4 }]);

    // Publishing again with nothing changed adds no duplicate version.
    expect((await ok<PublishResult>('flows.publish', { id: flow.id })).version).toBe(1);

    // Edit the draft after publishing: version 1 must not move.
    const edited = linearFlow();
    edited.nodes.push(node('s2', 'sms', { body: 'A second message' }));
    edited.edges = edited.edges.filter((e) => e.source !== 's');
    edited.edges.push(edge('s', 'next', 's2'), edge('s2', 'next', 'x'));
    await ok('flows.saveDraft', { id: flow.id, graph: edited });
    detail = await ok<FlowDetail>('flows.get', { id: flow.id });
    expect(detail.hasUnpublishedChanges).toBe(true);
    const exportedV1 = await ok<FlowDocument>('flows.export', { id: flow.id, version: 1 });
    expect(exportedV1.graph).toEqual(linearFlow());

    const v2 = await ok<PublishResult>('flows.publish', { id: flow.id });
    expect(v2.version).toBe(2);
    expect((await ok<FlowDocument>('flows.export', { id: flow.id, version: 2 })).graph.nodes).toHaveLength(5);
    expect((await ok<FlowDocument>('flows.export', { id: flow.id, version: 1 })).graph).toEqual(linearFlow());
    expect((await ok<FlowSummary[]>('flows.list', {}))[0]?.latestVersion).toBe(2);
    expect((await refused('flows.export', { id: flow.id, version: 3 })).code).toBe('NOT_FOUND');
  });

  it('is not "edited" after the draft goes back to the published graph and settings (an undo)', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Undo me' });
    await ok('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    await ok('flows.publish', { id: flow.id });
    const published = await ok<FlowDetail>('flows.get', { id: flow.id });

    const moved = linearFlow();
    moved.nodes[0] = { ...moved.nodes[0]!, position: { x: 999, y: 999 } };
    const edit = await ok<SaveDraftResult>('flows.saveDraft', { id: flow.id, baseRevision: published.revision, graph: moved, settings: published.settings });
    expect(edit.hasUnpublishedChanges).toBe(true);
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).hasUnpublishedChanges).toBe(true);

    const undone = await ok<SaveDraftResult>('flows.saveDraft', { id: flow.id, baseRevision: edit.revision, graph: linearFlow(), settings: published.settings });
    expect(undone.hasUnpublishedChanges).toBe(false);
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).hasUnpublishedChanges).toBe(false);
    expect((await ok<FlowSummary[]>('flows.list', {})).find((f) => f.id === flow.id)?.hasUnpublishedChanges).toBe(false);
    // Nothing to publish: no new version.
    expect((await ok<PublishResult>('flows.publish', { id: flow.id })).version).toBe(1);

    // A settings change alone is an edit too.
    const quiet = await ok<SaveDraftResult>('flows.saveDraft', {
      id: flow.id,
      graph: linearFlow(),
      settings: { ...published.settings, quietHours: { ...published.settings.quietHours, isEnabled: !published.settings.quietHours.isEnabled } },
    });
    expect(quiet.hasUnpublishedChanges).toBe(true);
  });
});

describe('import and export', () => {
  it('round-trips a flow through its document', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Round trip' });
    await ok('flows.saveDraft', { id: flow.id, graph: linearFlow(), description: 'There and back' });
    const document = await ok<FlowDocument>('flows.export', { id: flow.id });
    expect(document).toMatchObject({ format: FLOW_DOCUMENT_FORMAT, schemaVersion: CURRENT_SCHEMA_VERSION, name: 'Round trip', description: 'There and back' });
    const imported = await ok<FlowDetail>('flows.import', { document: JSON.parse(JSON.stringify(document)) });
    expect(imported.id).not.toBe(flow.id);
    // A flow of that name is in the list already: the copy is named apart from it.
    expect(imported).toMatchObject({ name: 'Round trip (imported)', description: 'There and back', status: 'draft', revision: 0 });
    expect(imported.graph).toEqual(document.graph);
    expect(imported.settings).toEqual(document.settings);
    expect((await ok<FlowDetail>('flows.import', { document })).name).toBe('Round trip (imported 2)');
    const renamed = await ok<FlowDetail>('flows.import', { document, name: 'Another copy' });
    expect(renamed.name).toBe('Another copy');
    // Into a list without that name, the document's own name is kept.
    await ok('flows.delete', { id: flow.id });
    await ok('flows.delete', { id: imported.id });
    expect((await ok<FlowDetail>('flows.import', { document })).name).toBe('Round trip');
  });

  it('upgrades a schema 1 document on import', async () => {
    const v1 = {
      format: FLOW_DOCUMENT_FORMAT,
      schemaVersion: 1,
      name: 'From the preview',
      graph: {
        nodes: linearFlow().nodes,
        edges: linearFlow().edges.map(({ sourcePort, ...rest }) => ({ ...rest, sourceHandle: sourcePort })),
      },
    };
    const imported = await ok<FlowDetail>('flows.import', { document: v1 });
    expect(imported.graph.edges.map((e) => e.sourcePort)).toEqual(['next', 'next', 'next']);
    expect(imported.settings).toEqual(defaultFlowSettings());
    expect(imported.validation.hasErrors).toBe(false);
  });

  it('an imported document whose event names have spaces says so, and cannot be published until they are fixed', async () => {
    const spaced = linearFlow();
    spaced.nodes[0] = node('t', 'trigger', { type: 'event', event: 'signed up', filters: [] });
    const imported = await ok<FlowDetail>('flows.import', { document: documentOf({ graph: spaced, settings: { ...defaultFlowSettings(), goalEvent: 'order placed' } }) });
    expect(imported.validation.issues.map((i) => [i.code, i.nodeId])).toEqual([['EVENT_NAME_HAS_SPACES', 't']]);

    const blocked = await refused('flows.publish', { id: imported.id });
    expect(blocked.code).toBe('FLOW_INVALID');
    expect(blocked.message).toContain('("signed up") has spaces');
    const issues = (blocked.details as { issues: Array<{ code: string; message: string }> }).issues.filter((i) => i.code === 'EVENT_NAME_HAS_SPACES');
    expect(issues.map((i) => i.message.split(' (')[0])).toEqual(['The event name of the Trigger step', "The flow's goal event"]);
    expect(rowCount('flow_versions')).toBe(0);

    const fixed = linearFlow();
    await ok('flows.saveDraft', { id: imported.id, graph: fixed, settings: { ...defaultFlowSettings(), goalEvent: 'order_placed' } });
    expect((await ok<PublishResult>('flows.publish', { id: imported.id })).version).toBe(1);
  });

  it('refuses malformed and hostile documents, naming the problem, and writes nothing', async () => {
    const bigGraph = {
      nodes: Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, kind: 'exit', position: { x: 0, y: 0 }, config: { reason: '' } })),
      edges: [],
    };
    let deep: unknown = {};
    for (let i = 0; i < 500; i++) deep = { nested: deep };
    const cases: { label: string; document: unknown; code: string; mentions: string }[] = [
      { label: 'not an object', document: [1, 2, 3], code: 'DOCUMENT_INVALID', mentions: 'JSON object' },
      { label: 'wrong format', document: documentOf({ format: 'zapier.zap' }), code: 'DOCUMENT_INVALID', mentions: 'format' },
      { label: 'no schema version', document: documentOf({ schemaVersion: 'two' }), code: 'DOCUMENT_INVALID', mentions: 'schemaVersion' },
      { label: 'too new', document: documentOf({ schemaVersion: CURRENT_SCHEMA_VERSION + 5 }), code: 'DOCUMENT_TOO_NEW', mentions: 'newer' },
      { label: 'node bomb', document: documentOf({ graph: bigGraph }), code: 'DOCUMENT_INVALID', mentions: 'graph.nodes' },
      { label: 'bad node', document: documentOf({ graph: { nodes: [{ id: 'a', kind: 'sms', position: { x: 0, y: 0 }, config: { body: 7 } }], edges: [] } }), code: 'DOCUMENT_INVALID', mentions: 'graph.nodes[0].config.body' },
      { label: 'prototype pollution', document: JSON.parse(`{"format":"${FLOW_DOCUMENT_FORMAT}","schemaVersion":2,"name":"x","__proto__":{"isAdmin":true},"settings":{},"graph":{"nodes":[],"edges":[]}}`), code: 'DOCUMENT_INVALID', mentions: '__proto__' },
      { label: 'nested pollution', document: JSON.parse(JSON.stringify(documentOf()).replace('"config":{', '"config":{"constructor":{"prototype":{"isAdmin":true}},')), code: 'DOCUMENT_INVALID', mentions: 'constructor' },
      { label: 'nesting bomb', document: documentOf({ description: deep }), code: 'DOCUMENT_INVALID', mentions: 'nested' },
    ];
    for (const { label, document, code, mentions } of cases) {
      const error = await refused('flows.import', { document });
      expect(error.code, label).toBe(code);
      expect(error.message, label).toContain(mentions);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(rowCount('flows')).toBe(0);
    expect(events).toEqual([]);
  });

  it('exports a missing flow as NOT_FOUND', async () => {
    expect((await refused('flows.export', { id: 'nope' })).code).toBe('NOT_FOUND');
  });
});

describe('change events', () => {
  it('follow every write and never a read', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Noisy' });
    await ok('flows.list', {});
    await ok('flows.get', { id: flow.id });
    await ok('flows.export', { id: flow.id });
    await ok('flows.rename', { id: flow.id, name: 'Noisier' });
    await ok('flows.saveDraft', { id: flow.id, graph: linearFlow() });
    await ok('flows.publish', { id: flow.id });
    const copy = await ok<FlowDetail>('flows.duplicate', { id: flow.id });
    await ok('flows.delete', { id: copy.id });
    expect(events.map((event) => event.type)).toEqual(Array(6).fill('flows.changed'));
    expect(events.map((event) => (event as { flowId: string }).flowId)).toEqual([flow.id, flow.id, flow.id, flow.id, copy.id, copy.id]);
  });

  it('app info names the data dir and the transport', async () => {
    const info = await ok<{ name: string; dataDir: string; transport: string }>('app.info', {});
    expect(info).toMatchObject({ name: 'Postcard', dataDir: dir, transport: 'http' });
    const viaIpc = await postcard.dispatch('app.info', {}, { transport: 'ipc' });
    expect(viaIpc.ok && (viaIpc.value as { transport: string }).transport).toBe('ipc');
  });
});
