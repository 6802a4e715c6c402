import { describe, expect, it } from 'vitest';
import { SimulationOptions } from '../../src/shared/engine/simulation';
import { emptyNodeCounts, type NodeCounts } from '../../src/shared/engine/types';
import { defaultFlowSettings } from '../../src/shared/flow/settings';
import type { FlowGraph } from '../../src/shared/graph/graph';
import { defaultCountry, normalisePhone } from '../../src/renderer/src/contacts/phone';
import { localiseInstants } from '../../src/renderer/src/contacts/timeFormat';
import { visibleMetrics } from '../../src/renderer/src/live/NodeCountsOverlay';
import { createOperationsStore, deriveOverlay, setLiveCounts, setSimulation } from '../../src/renderer/src/live/operationsStore';
import { checkForm, defaultForm, eventNamesInFlow, reconcileBehaviours, toOptions } from '../../src/renderer/src/simulate/simulationForm';
import type { SimulationResult } from '../../src/shared/engine/types';

const counts = (patch: Partial<NodeCounts>): NodeCounts => ({ ...emptyNodeCounts(), ...patch });

const graph = {
  nodes: [
    { id: 't', kind: 'trigger', position: { x: 0, y: 0 }, label: 'T', config: { type: 'event', event: 'cart_abandoned', filters: [] } },
    { id: 'w', kind: 'wait', position: { x: 0, y: 0 }, label: 'W', config: { type: 'event', event: 'clicked', timeout: { amount: 1, unit: 'days' } } },
    {
      id: 'b',
      kind: 'branch',
      position: { x: 0, y: 0 },
      label: 'B',
      config: { conditions: [{ id: 'c1', label: 'Bought', subject: 'event_since_entry', name: 'purchased', operator: 'exists', value: '' }] },
    },
  ],
  edges: [],
} as unknown as FlowGraph;

describe('operations store: the overlay each card reads', () => {
  it('keeps the same object for a node whose figures did not change, so only touched cards re-render', () => {
    const first = deriveOverlay({}, { a: counts({ entered: 1 }), b: counts({ entered: 2 }) }, null);
    const second = deriveOverlay(first, { a: counts({ entered: 1 }), b: counts({ entered: 3 }) }, null);
    expect(second.a).toBe(first.a);
    expect(second.b).not.toBe(first.b);
    expect(second.b).toEqual({ source: 'live', counts: counts({ entered: 3 }) });
    // Nothing changed at all: the very same record.
    expect(deriveOverlay(second, { a: counts({ entered: 1 }), b: counts({ entered: 3 }) }, null)).toBe(second);
  });

  it('shows a dry-run over live figures while it is there, and live figures again once it is cleared', () => {
    const store = createOperationsStore();
    setLiveCounts(store, { a: counts({ entered: 5 }) });
    expect(store.getState().overlayByNode.a?.source).toBe('live');
    const result = { nodeCounts: { a: counts({ entered: 500 }) } } as unknown as SimulationResult;
    setSimulation(store, { options: {}, contactSource: 'synthetic', result, graph });
    expect(store.getState().overlayByNode.a).toEqual({ source: 'simulated', counts: counts({ entered: 500 }) });
    // Live updates meanwhile do not replace the simulated figures on the card.
    setLiveCounts(store, { a: counts({ entered: 6 }) });
    expect(store.getState().overlayByNode.a?.source).toBe('simulated');
    setSimulation(store, null);
    expect(store.getState().overlayByNode.a).toEqual({ source: 'live', counts: counts({ entered: 6 }) });
    setLiveCounts(store, null);
    expect(store.getState().overlayByNode).toEqual({});
  });

  it('puts the figures that matter for each kind on its card, and any other that is not zero', () => {
    expect(visibleMetrics('mms', counts({}))).toEqual(['entered', 'sent', 'delivered', 'failed', 'fellBack']);
    expect(visibleMetrics('trigger', counts({}))).toEqual(['entered']);
    expect(visibleMetrics('wait', counts({ waiting: 3, exited: 1 }))).toEqual(['entered', 'waiting', 'exited']);
    expect(visibleMetrics('exit', counts({ entered: 4, exited: 4 }))).toEqual(['entered', 'exited']);
  });
});

describe('simulation form', () => {
  it('offers a behaviour for every event the flow reacts to, not the trigger event', () => {
    const settings = { ...defaultFlowSettings(), goalEvent: 'purchased' };
    expect(eventNamesInFlow(graph, settings)).toEqual(['clicked', 'purchased']);
  });

  it('defaults to what the engine would use anyway (so the dialog and the CLI agree)', () => {
    const form = defaultForm(graph, defaultFlowSettings());
    const now = new Date('2026-12-04T15:54:37.250Z');
    const options = SimulationOptions.parse(toOptions({ ...form, contacts: 500, days: 3, seed: 42 }, now));
    // The dialog starts virtual time now (to the minute); everything else is the engine's default.
    expect(options.startAt).toBe('2026-12-04T15:54:00.000Z');
    const engine = SimulationOptions.parse({ contacts: 500, days: 3, seed: 42, startAt: options.startAt });
    expect({ ...options, behaviours: [], simulator: undefined }).toEqual({ ...engine, behaviours: [], simulator: undefined });
    const chosen = SimulationOptions.parse(toOptions({ ...form, start: 'chosen', startLocal: '2027-03-01T09:30' }, now));
    expect(chosen.startAt).toBe(new Date('2027-03-01T09:30').toISOString());
    expect(checkForm({ ...form, start: 'chosen', startLocal: '' }).map((p) => p.field)).toEqual(['startLocal']);
    expect(options.behaviours).toEqual([
      { event: 'clicked', probability: 0.2, withinHours: 72 },
      { event: 'purchased', probability: 0.2, withinHours: 72 },
    ]);
    expect(options.simulator).toEqual({ mmsIncapableShare: 0.06, stopReplyRate: 0.01 });
    expect(options.smsSegmentPrice).toBe(0.0079);
    expect(options.mmsPrice).toBe(0.02);
  });

  it('keeps typed behaviours for events still in the flow and names each bad value', () => {
    expect(reconcileBehaviours([{ event: 'purchased', percent: 35, withinHours: 1 }], ['clicked', 'purchased'])).toEqual([
      { event: 'clicked', percent: 20, withinHours: 72 },
      { event: 'purchased', percent: 35, withinHours: 1 },
    ]);
    const form = defaultForm(graph, defaultFlowSettings());
    expect(checkForm(form)).toEqual([]);
    const bad = checkForm({ ...form, days: 0, seed: 1.5, contacts: Number.NaN, behaviours: [{ event: 'clicked', percent: 120, withinHours: 1 }] });
    expect(bad.map((p) => p.field)).toEqual(['contacts', 'days', 'seed', 'behaviour:clicked']);
    // Imported contacts need no count.
    expect(checkForm({ ...form, contactSource: 'imported', contacts: Number.NaN })).toEqual([]);
    expect(toOptions({ ...form, contactSource: 'imported' })).toMatchObject({ useImportedContacts: true });
    expect(toOptions({ ...form, contactSource: 'imported' })).not.toHaveProperty('contacts');
  });
});

describe('phone numbers and times in the contacts view', () => {
  it('normalises national and international forms to E.164', () => {
    expect(normalisePhone('(212) 555-0150', 'US')).toEqual({ ok: true, e164: '+12125550150', international: '+1 212 555 0150' });
    expect(normalisePhone('+44 7700 900123', 'US')).toMatchObject({ ok: true, e164: '+447700900123' });
    expect(normalisePhone('0044 7700 900123', 'US')).toMatchObject({ ok: true, e164: '+447700900123' });
    expect(normalisePhone('07700 900123', 'GB')).toMatchObject({ ok: true, e164: '+447700900123' });
    expect(normalisePhone('12', 'US')).toEqual({ ok: false, reason: 'not_a_number' });
    expect(normalisePhone('   ', 'US')).toEqual({ ok: false, reason: 'empty' });
  });

  it('takes the country for national numbers from the language tag', () => {
    expect(defaultCountry(['en-GB', 'en'])).toBe('GB');
    expect(defaultCountry(['fr', 'de-DE'])).toBe('DE');
    expect(defaultCountry(['en'])).toBe('US');
  });

  it('shows the UTC instants in engine notes in the contact’s zone', () => {
    const text = localiseInstants('waiting until 2026-01-06T08:47:00.000Z', 'America/Chicago');
    expect(text).toBe('waiting until Tue, Jan 6, 2026, 02:47 AM CST');
  });
});
