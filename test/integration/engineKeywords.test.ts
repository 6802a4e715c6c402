import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog, loadContactFacts } from '../../src/main/audience/segmentSql';
import { readWorkspaceSettings, saveWorkspaceSettings } from '../../src/main/audience/workspace';
import { evaluateRule } from '../../src/shared/audience/evaluate';
import { edge, graph, node } from '../support/graphs';
import { createHarness, flowDocument, HOUR, MINUTE, T0, type Harness } from './engineHarness';

/**
 * The workspace's own keywords (Settings → Workspace) through the engine's inbound path, on a
 * real SQLite file with the real migrations: PAUSE [N days] pauses the contact and the drain
 * sends them nothing more; an alias of STOP opts out of every channel; each is a ledger record
 * with source 'keyword'.
 */
const DAY = 24 * HOUR;

/** signed_up → SMS → wait 2 h → SMS → wait 2 h → SMS → exit (quiet hours off: the test runs across the evening). */
const threeTexts = () =>
  flowDocument(
    graph(
      [
        node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
        node('a', 'sms', { body: 'Acme: welcome! Reply STOP to opt out.' }),
        node('w1', 'wait', { type: 'duration', amount: 2, unit: 'hours' }),
        node('b', 'sms', { body: 'Acme: your first-order code is HELLO10' }),
        node('w2', 'wait', { type: 'duration', amount: 2, unit: 'hours' }),
        node('c', 'sms', { body: 'Acme: last day for HELLO10' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'a'), edge('a', 'next', 'w1'), edge('w1', 'next', 'b'), edge('b', 'next', 'w2'), edge('w2', 'next', 'c'), edge('c', 'next', 'x')],
    ),
    { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
  );

interface Ledger {
  kind: string;
  channel: string;
  source: string;
  keyword: string | null;
  detail: string | null;
}

let dir: string;
let harness: Harness;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-keywords-'));
  harness = createHarness(threeTexts(), { file: join(dir, 'postcard.db') });
  saveWorkspaceSettings(
    harness.sqlite,
    {
      brandName: 'Acme',
      defaultTimeZone: 'America/New_York',
      keywords: [
        { word: 'pause', action: 'pause', pauseDays: 30, reply: 'Acme: paused for {days} days, until {date}. Reply START to resume sooner.' },
        { word: 'UNSUB', action: 'opt_out', pauseDays: 30, reply: 'Acme: you are unsubscribed and will get no more texts.' },
        { word: 'JOIN', action: 'opt_in', pauseDays: 30, reply: '' },
      ],
    },
    T0,
  );
});
afterEach(() => {
  harness.close();
  rmSync(dir, { recursive: true, force: true });
});

const ledger = (contactId: number): Ledger[] =>
  harness.sqlite.prepare('SELECT kind, channel, source, keyword, detail FROM consent_events WHERE contact_id = ? AND source != ? ORDER BY id').all(contactId, 'test') as Ledger[];
const replies = (contactId: number): string[] =>
  (harness.sqlite.prepare(`SELECT body FROM messages WHERE contact_id = ? AND purpose = 'reply' ORDER BY id`).all(contactId) as Array<{ body: string }>).map((r) => r.body);
const marketing = (contactId: number) =>
  harness.sqlite.prepare(`SELECT node_id, status, reason, accepted_at FROM messages WHERE contact_id = ? AND purpose = 'marketing' ORDER BY id`).all(contactId) as Array<{
    node_id: string;
    status: string;
    reason: string | null;
    accepted_at: number | null;
  }>;

describe('workspace keywords', { timeout: 60_000 }, () => {
  it('PAUSE 3 pauses the contact for 3 days: the next drain sends them nothing, the confirmation names the days and the end date', async () => {
    const c = harness.addContact('+12125550140');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    expect(marketing(c).map((m) => [m.node_id, m.status])).toEqual([['a', 'delivered']]);

    // Step b comes due at T0 + 2 h; the contact writes "pause 3" just before.
    const at = T0 + 2 * HOUR - MINUTE;
    harness.clock.set(at);
    harness.runtime.applyInbound({ from: '+12125550140', body: '  pause 3 ', at }, at);
    const pausedUntil = harness.sqlite.prepare('SELECT paused_until FROM contacts WHERE id = ?').pluck().get(c) as number;
    expect(pausedUntil).toBe(at + 3 * DAY);
    expect(ledger(c)).toEqual([{ kind: 'pause', channel: 'all', source: 'keyword', keyword: 'PAUSE', detail: `paused for 3 days, until ${new Date(at + 3 * DAY).toISOString()}` }]);

    await harness.runUntil(T0 + 6 * HOUR);
    // Nothing more reached them: step b was refused at the drain for the pause; the confirmation went at once.
    const sent = marketing(c);
    expect(sent.filter((m) => m.accepted_at !== null).map((m) => m.node_id)).toEqual(['a']);
    expect(sent.find((m) => m.node_id === 'b')).toMatchObject({ status: 'cancelled', reason: 'paused' });
    // 3 days after 09:59 on 5 January in New York is 8 January.
    expect(replies(c)).toEqual(['Acme: paused for 3 days, until January 8. Reply START to resume sooner.']);
    // The preference center reads the same pause.
    const facts = loadContactFacts(harness.sqlite, { match: 'all', rules: [] }, [c]).get(c)!;
    expect(evaluateRule({ type: 'paused', isPaused: true }, loadCatalog(harness.sqlite), facts, T0 + 6 * HOUR)).toBe(true);
  });

  it('PAUSE alone uses the keyword’s days; a PAUSE with words that are not a number of days is an ordinary reply', async () => {
    const c = harness.addContact('+12125550141');
    harness.runtime.applyInbound({ from: '+12125550141', body: 'PAUSE', at: T0 }, T0);
    expect(harness.sqlite.prepare('SELECT paused_until FROM contacts WHERE id = ?').pluck().get(c)).toBe(T0 + 30 * DAY);
    harness.runtime.applyInbound({ from: '+12125550141', body: 'pause my order please', at: T0 + MINUTE }, T0 + MINUTE);
    expect(ledger(c).map((r) => r.kind)).toEqual(['pause']);
    expect(harness.sqlite.prepare(`SELECT count(*) FROM events WHERE contact_id = ? AND name = 'message_received'`).pluck().get(c)).toBe(1);
  });

  it('an alias of STOP opts the contact out of every channel at once, cancels what is queued and sends the one confirmation; an alias of START restores it', async () => {
    const c = harness.addContact('+12125550142');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    const at = T0 + HOUR + MINUTE;
    harness.clock.set(at);
    harness.runtime.applyInbound({ from: '+12125550142', body: 'unsub', at }, at);
    expect(ledger(c)).toEqual([{ kind: 'opt_out', channel: 'all', source: 'keyword', keyword: 'UNSUB', detail: null }]);
    const catalog = loadCatalog(harness.sqlite);
    const facts = () => loadContactFacts(harness.sqlite, { match: 'all', rules: [] }, [c]).get(c)!;
    for (const channel of ['sms', 'mms'] as const) expect(evaluateRule({ type: 'consent', channel, state: 'opted_out' }, catalog, facts(), at), channel).toBe(true);
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'opted_out' });

    await harness.runUntil(T0 + 6 * HOUR);
    expect(marketing(c).filter((m) => m.accepted_at !== null).map((m) => m.node_id)).toEqual(['a']);
    expect(replies(c)).toEqual(['Acme: you are unsubscribed and will get no more texts.']);

    harness.runtime.applyInbound({ from: '+12125550142', body: 'Join', at: T0 + 7 * HOUR }, T0 + 7 * HOUR);
    expect(ledger(c).map((r) => [r.kind, r.keyword, r.source])).toEqual([
      ['opt_out', 'UNSUB', 'keyword'],
      ['opt_in', 'JOIN', 'keyword'],
    ]);
    for (const channel of ['sms', 'mms'] as const) expect(evaluateRule({ type: 'consent', channel, state: 'opted_in' }, catalog, facts(), T0 + 7 * HOUR)).toBe(true);
  });

  it('the built-in words keep their meaning and cannot be redefined; a word listed twice or an unknown zone is refused by name', () => {
    const base = readWorkspaceSettings(harness.sqlite);
    expect(base.keywords.map((k) => k.word)).toEqual(['PAUSE', 'UNSUB', 'JOIN']);
    expect(() => saveWorkspaceSettings(harness.sqlite, { ...base, keywords: [{ word: 'stop', action: 'pause' }] }, T0)).toThrow(/STOP is a built-in keyword/);
    expect(() => saveWorkspaceSettings(harness.sqlite, { ...base, keywords: [...base.keywords, { word: 'Unsub', action: 'opt_out' }] }, T0)).toThrow(/UNSUB is listed twice/);
    expect(() => saveWorkspaceSettings(harness.sqlite, { ...base, defaultTimeZone: 'Mars/Olympus' }, T0)).toThrow(/not a time zone/);
    // Nothing was half-written.
    expect(readWorkspaceSettings(harness.sqlite)).toEqual(base);
  });
});
