import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { recordClick } from '../../src/main/analytics/links';
import { AnalyticsService } from '../../src/main/analytics/service';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { seededRandom } from '../../src/shared/engine/random';
import { validateFlow } from '../../src/shared/graph/validate';
import type { SplitAutoWinner } from '../../src/shared/graph/nodes';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, flowDocument, HOUR, insertOptedInContacts, MINUTE, T0 } from './engineHarness';

/** manual trigger → split (A / B / 10 % holdout) → an SMS per arm; goal order_placed within 7 days. */
function splitGraph(autoWinner: SplitAutoWinner) {
  return graph(
    [
      node('t', 'trigger', { type: 'manual' }),
      node('ab', 'split', {
        variants: [
          { id: 'va', label: 'MMS', weight: 45, isHoldout: false },
          { id: 'vb', label: 'SMS', weight: 45, isHoldout: false },
          { id: 'vh', label: 'Holdout', weight: 10, isHoldout: true },
        ],
        autoWinner,
      }),
      node('a', 'sms', { body: 'Arm A' }),
      node('b', 'sms', { body: 'Arm B' }),
      node('x', 'exit'),
    ],
    [edge('t', 'next', 'ab'), edge('ab', 'va', 'a'), edge('ab', 'vb', 'b'), edge('a', 'next', 'x'), edge('b', 'next', 'x')],
  );
}

const settings = {
  goalEvent: 'order_placed',
  attributionDays: 7,
  quietHours: { isEnabled: false, start: '21:00', end: '08:00' },
  frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 },
};

interface World {
  sqlite: Database.Database;
  clock: VirtualClock;
  runtime: EngineRuntime;
  contacts: number[];
}

const dirs: string[] = [];
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function runtimeOn(sqlite: Database.Database, clock: VirtualClock): EngineRuntime {
  return new EngineRuntime({
    sqlite,
    clock,
    random: seededRandom(1),
    provider: new SimulatorProvider(sqlite, calmSimulator()),
    installId: 't',
    batchSize: 100,
    autoWinnerIntervalMs: 0,
    runnerId: 'runner-1',
  });
}

function world(autoWinner: SplitAutoWinner, file?: string): World {
  const sqlite = openSandbox(file ? { file } : {});
  open.push(sqlite);
  installFlow(sqlite, 'flow1', { ...flowDocument(splitGraph(autoWinner), settings), name: 'Spring sale' }, T0);
  const clock = new VirtualClock(T0);
  const contacts = insertOptedInContacts(sqlite, 400);
  return { sqlite, clock, runtime: runtimeOn(sqlite, clock), contacts };
}

const armOf = (sqlite: Database.Database): Map<number, string> =>
  new Map((sqlite.prepare('SELECT contact_id, variant_id FROM split_assignments').all() as Array<{ contact_id: number; variant_id: string }>).map((r) => [r.contact_id, r.variant_id]));

/** Goal events from a share of each arm's contacts, an hour after they were sent to. */
function convert(w: World, rates: Record<string, number>): void {
  const byArm = new Map<string, number[]>();
  for (const [contact, arm] of armOf(w.sqlite)) byArm.set(arm, [...(byArm.get(arm) ?? []), contact]);
  const insert = w.sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'order_placed', '{"value": 30}', ?)`);
  for (const [arm, contacts] of byArm) {
    const take = Math.round(contacts.length * (rates[arm] ?? 0));
    for (const contact of contacts.slice(0, take)) insert.run(contact, w.clock.now());
  }
}

const versions = (sqlite: Database.Database) =>
  sqlite.prepare('SELECT version, note, document_json FROM flow_versions WHERE flow_id = ? ORDER BY version').all('flow1') as Array<{ version: number; note: string | null; document_json: string }>;

const weightsOf = (documentJson: string): Record<string, number> => {
  const doc = JSON.parse(documentJson) as { graph: { nodes: Array<{ id: string; config: { variants?: Array<{ id: string; weight: number }> } }> } };
  return Object.fromEntries((doc.graph.nodes.find((n) => n.id === 'ab')?.config.variants ?? []).map((v) => [v.id, v.weight]));
};

async function enrollAndSend(w: World, contacts: number[]): Promise<void> {
  w.runtime.enrollContacts('flow1', contacts);
  await w.runtime.runUntil(w.clock, w.clock.now() + HOUR);
}

const onConversions: SplitAutoWinner = { when: 'sends', sendsPerVariant: 100, date: '', metric: 'conversion' };

describe('auto-winner on an A/B split', () => {
  it('sends the remaining traffic to a clear winner once, as a new version with the decision in words', async () => {
    const w = world(onConversions);
    await enrollAndSend(w, w.contacts.slice(0, 300));
    const arms = [...armOf(w.sqlite).values()];
    expect(arms.filter((a) => a === 'va').length).toBeGreaterThanOrEqual(100);
    expect(arms.filter((a) => a === 'vb').length).toBeGreaterThanOrEqual(100);
    // Condition met, nothing converted yet: a tie, said on the split, nothing published.
    expect(versions(w.sqlite)).toHaveLength(1);
    expect(new AnalyticsService(w.sqlite).history('flow1').autoWinners[0]).toMatchObject({ splitNodeId: 'ab', status: 'no_winner' });

    convert(w, { va: 0.3, vb: 0.05 });
    await w.runtime.runUntil(w.clock, w.clock.now() + 10 * MINUTE);
    const published = versions(w.sqlite);
    expect(published).toHaveLength(2);
    expect(published[1]?.note).toMatch(/^Auto-winner: MMS won on conversions, (9\d|>99) % likely best, after 100 sends per variant$/);
    expect(weightsOf(published[1]!.document_json)).toEqual({ va: 90, vb: 0, vh: 10 });
    expect(validateFlow(JSON.parse(published[1]!.document_json).graph).hasErrors).toBe(false);
    // The draft shows the same weights and is not "changed since publishing".
    const draft = w.sqlite.prepare('SELECT draft_graph_json, draft_revision, published_revision FROM flows WHERE id = ?').get('flow1') as { draft_graph_json: string; draft_revision: number; published_revision: number };
    expect(weightsOf(JSON.stringify({ graph: JSON.parse(draft.draft_graph_json) }))).toEqual({ va: 90, vb: 0, vh: 10 });
    expect(draft.published_revision).toBe(draft.draft_revision);

    // New entries go to the winner (or the holdout), never to the loser; and nothing switches again.
    const before = new Set(armOf(w.sqlite).keys());
    await enrollAndSend(w, w.contacts.slice(300));
    const later = [...armOf(w.sqlite)].filter(([contact]) => !before.has(contact)).map(([, arm]) => arm);
    expect(later.length).toBe(100);
    expect(later.filter((a) => a === 'vb')).toEqual([]);
    expect(later.filter((a) => a === 'va').length).toBeGreaterThan(70);
    await w.runtime.runUntil(w.clock, w.clock.now() + HOUR);
    expect(versions(w.sqlite)).toHaveLength(2);

    const history = new AnalyticsService(w.sqlite).history('flow1');
    expect(history.versions.map((v) => [v.version, v.note === null])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(history.autoWinners).toEqual([expect.objectContaining({ splitNodeId: 'ab', status: 'switched', version: 2, label: 'A/B split' })]);
  });

  it('on a date: waits for it, however clear the lead, then switches', async () => {
    const decideAt = T0 + 6 * HOUR;
    const w = world({ when: 'date', sendsPerVariant: 0, date: new Date(decideAt).toISOString(), metric: 'conversion' });
    await enrollAndSend(w, w.contacts.slice(0, 300));
    convert(w, { va: 0.02, vb: 0.3 });
    await w.runtime.runUntil(w.clock, decideAt - MINUTE);
    expect(versions(w.sqlite)).toHaveLength(1);
    expect(new AnalyticsService(w.sqlite).history('flow1').autoWinners).toEqual([]);
    await w.runtime.runUntil(w.clock, decideAt + MINUTE);
    const published = versions(w.sqlite);
    expect(published).toHaveLength(2);
    expect(published[1]?.note).toMatch(/^Auto-winner: SMS won on conversions, (9\d|>99) % likely best, on 5 January 2026, after at least \d{3} sends per variant$/);
    expect(weightsOf(published[1]!.document_json)).toEqual({ va: 0, vb: 90, vh: 10 });
  });

  it('judges clicks by the people who tapped a variant\'s messages, not by link previews', async () => {
    const w = world({ when: 'sends', sendsPerVariant: 100, date: '', metric: 'click' });
    await enrollAndSend(w, w.contacts.slice(0, 300));
    const messages = w.sqlite.prepare(`SELECT id, contact_id, node_id FROM messages WHERE flow_id = 'flow1' ORDER BY id`).all() as Array<{ id: number; contact_id: number; node_id: string }>;
    const tap = (m: (typeof messages)[number], userAgent: string) =>
      recordClick(w.sqlite, { code: null, messageId: m.id, contactId: m.contact_id, flowId: 'flow1', nodeId: m.node_id, userAgent, at: w.clock.now() });
    // Every message of A is fetched by a preview bot; only a few people tap. B: a third of its people tap.
    for (const m of messages.filter((x) => x.node_id === 'a')) tap(m, 'facebookexternalhit/1.1');
    messages.filter((x) => x.node_id === 'a').slice(0, 5).forEach((m) => tap(m, 'Mozilla/5.0 (iPhone)'));
    const b = messages.filter((x) => x.node_id === 'b');
    b.slice(0, Math.round(b.length / 3)).forEach((m) => tap(m, 'Mozilla/5.0 (iPhone)'));
    await w.runtime.runUntil(w.clock, w.clock.now() + 10 * MINUTE);
    const published = versions(w.sqlite);
    expect(published).toHaveLength(2);
    expect(published[1]?.note).toMatch(/^Auto-winner: SMS won on clicks, (9\d|>99) % likely best, after 100 sends per variant$/);
  });

  it('keeps the weights when the variants convert alike, and says there is no clear winner', async () => {
    const w = world(onConversions);
    await enrollAndSend(w, w.contacts.slice(0, 300));
    convert(w, { va: 0.2, vb: 0.2 });
    await w.runtime.runUntil(w.clock, w.clock.now() + HOUR);
    expect(versions(w.sqlite)).toHaveLength(1);
    const [status] = new AnalyticsService(w.sqlite).history('flow1').autoWinners;
    expect(status?.status).toBe('no_winner');
    expect(status?.note).toMatch(/no clear winner on conversions after 100 sends per variant\. \w+ leads but is only \d+ % likely best/);
    expect(weightsOf(versions(w.sqlite)[0]!.document_json)).toEqual({ va: 45, vb: 45, vh: 10 });
  });

  it('does not switch twice across a restart, even when the loser catches up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'postcard-autowinner-'));
    dirs.push(dir);
    const file = join(dir, 'postcard.db');
    const w = world(onConversions, file);
    await enrollAndSend(w, w.contacts.slice(0, 300));
    convert(w, { va: 0.3, vb: 0.02 });
    await w.runtime.runUntil(w.clock, w.clock.now() + HOUR);
    expect(versions(w.sqlite)).toHaveLength(2);
    w.runtime.releaseLease();
    w.sqlite.close();

    const sqlite = openSandbox({ file });
    open.push(sqlite);
    const clock = new VirtualClock(w.clock.now());
    const runtime = runtimeOn(sqlite, clock);
    // B's contacts all buy now: were the split judged afresh, B would win.
    const all = { ...w, sqlite, clock, runtime };
    convert(all, { vb: 1 });
    await runtime.runUntil(clock, clock.now() + 2 * HOUR);
    expect(versions(sqlite).map((v) => v.version)).toEqual([1, 2]);
    expect(weightsOf(versions(sqlite)[1]!.document_json)).toEqual({ va: 90, vb: 0, vh: 10 });
  });
});
