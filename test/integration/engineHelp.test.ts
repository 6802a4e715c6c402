import { afterEach, describe, expect, it } from 'vitest';
import { parseFlowDocument } from '../../src/shared/flow/document';
import { DEFAULT_HELP_REPLY, FlowSettings } from '../../src/shared/flow/settings';
import { edge, graph, node } from '../support/graphs';
import { createHarness, flowDocument, HOUR, MINUTE, T0, type Harness } from './engineHarness';

/** trigger(event signed_up) → sms → sms → sms → exit: three marketing messages fill a cap of 3. */
const threeMessages = (helpReply: string) =>
  flowDocument(
    graph(
      [
        node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
        node('a', 'sms', { body: 'One' }),
        node('b', 'sms', { body: 'Two' }),
        node('c', 'sms', { body: 'Three' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'a'), edge('a', 'next', 'b'), edge('b', 'next', 'c'), edge('c', 'next', 'x')],
    ),
    { helpReply, frequencyCap: { isEnabled: true, maxMessages: 3, perHours: 24 } },
  );

const replies = (h: Harness, contactId: number) =>
  h.sqlite.prepare(`SELECT body, status, accepted_at FROM messages WHERE contact_id = ? AND purpose = 'reply' ORDER BY id`).all(contactId) as Array<{
    body: string;
    status: string;
    accepted_at: number | null;
  }>;

describe('HELP replies', () => {
  let harness: Harness | null = null;
  afterEach(() => {
    harness?.close();
    harness = null;
  });

  it('answers with the help reply of the flow the contact is in, at once, even in quiet hours and over the cap', async () => {
    harness = createHarness(threeMessages('Acme Deals: 4 msgs/mo. Msg & data rates may apply. Reply STOP to cancel.'));
    const c = harness.addContact('+12125550130');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    expect(harness.messages(c).filter((m) => m.status === 'delivered')).toHaveLength(3);
    // 23:30 in New York: inside the default quiet hours, and the cap of 3 per 24 h is used up.
    const lateAt = Date.parse('2026-01-06T04:30:00.000Z');
    harness.clock.set(lateAt);
    harness.runtime.applyInbound({ from: '+12125550130', body: ' help ', at: lateAt }, lateAt);
    await harness.runUntil(lateAt + 5 * MINUTE);
    const [reply, ...more] = replies(harness, c);
    expect(more).toEqual([]);
    expect(reply?.body).toBe('Acme Deals: 4 msgs/mo. Msg & data rates may apply. Reply STOP to cancel.');
    expect(reply?.accepted_at).toBe(lateAt);
    expect(reply?.status).toBe('delivered');
  });

  it('uses the live version of that flow: a help reply changed by a new publish applies to contacts on the old version', async () => {
    harness = createHarness(threeMessages('Version one help.'));
    const c = harness.addContact('+12125550131');
    harness.event(c, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    const v2 = threeMessages('Version two help.');
    harness.sqlite
      .prepare('INSERT INTO flow_versions (id, flow_id, version, document_json, published_at) VALUES (?, ?, 2, ?, ?)')
      .run('flow1-v2', harness.flowId, JSON.stringify(v2), new Date(T0 + HOUR).toISOString());
    harness.runtime.applyInbound({ from: '+12125550131', body: 'INFO', at: T0 + 2 * HOUR }, T0 + 2 * HOUR);
    expect(replies(harness, c).map((r) => r.body)).toEqual(['Version two help.']);
    // Archived: the version the contact followed still names the program.
    harness.sqlite.prepare(`UPDATE flows SET status = 'archived' WHERE id = ?`).run(harness.flowId);
    harness.runtime.applyInbound({ from: '+12125550131', body: 'HELP', at: T0 + 3 * HOUR }, T0 + 3 * HOUR);
    expect(replies(harness, c).map((r) => r.body)).toEqual(['Version two help.', 'Version one help.']);
  });

  it('a contact in no flow, or in a flow whose help reply is blank, gets the default; an opted-out contact gets none', async () => {
    harness = createHarness(threeMessages('  '));
    const member = harness.addContact('+12125550134');
    harness.event(member, 'signed_up');
    await harness.runUntil(T0 + HOUR);
    harness.runtime.applyInbound({ from: '+12125550134', body: 'help', at: T0 + HOUR }, T0 + HOUR);
    expect(replies(harness, member).map((r) => r.body)).toEqual([DEFAULT_HELP_REPLY]);
    const stranger = harness.addContact('+12125550132', { optIn: false });
    const leaver = harness.addContact('+12125550133');
    harness.runtime.applyInbound({ from: '+12125550132', body: 'help', at: T0 }, T0);
    harness.runtime.applyInbound({ from: '+12125550133', body: 'STOP', at: T0 }, T0);
    harness.runtime.applyInbound({ from: '+12125550133', body: 'HELP', at: T0 + MINUTE }, T0 + MINUTE);
    await harness.runUntil(T0 + 90 * MINUTE);
    expect(replies(harness, stranger).map((r) => [r.body, r.status])).toEqual([[DEFAULT_HELP_REPLY, 'delivered']]);
    expect(replies(harness, leaver)).toEqual([]);
    // The HELP is still on the ledger (the timeline shows it), as a keyword, not a consent change.
    const kinds = harness.sqlite.prepare('SELECT kind FROM consent_events WHERE contact_id = ? ORDER BY id').pluck().all(leaver);
    expect(kinds).toEqual(['opt_in', 'opt_out', 'keyword']);
    // START first, then HELP is answered again.
    harness.runtime.applyInbound({ from: '+12125550133', body: 'START', at: T0 + 2 * HOUR }, T0 + 2 * HOUR);
    harness.runtime.applyInbound({ from: '+12125550133', body: 'HELP', at: T0 + 2 * HOUR }, T0 + 2 * HOUR);
    expect(replies(harness, leaver)).toHaveLength(1);
  });
});

describe('helpReply setting', () => {
  it('defaults in documents saved before it existed, and refuses an overlong reply', () => {
    const old = flowDocument(graph([node('t', 'trigger'), node('x', 'exit')], [edge('t', 'next', 'x')]));
    const { helpReply: _dropped, ...settingsWithout } = old.settings;
    const parsed = parseFlowDocument({ ...old, settings: settingsWithout });
    expect(parsed.ok && parsed.document.settings.helpReply).toBe(DEFAULT_HELP_REPLY);
    expect(FlowSettings.safeParse({ ...old.settings, helpReply: 'x'.repeat(321) }).success).toBe(false);
    expect(FlowSettings.safeParse({ ...old.settings, helpReply: 'x'.repeat(320) }).success).toBe(true);
  });
});
