import { afterEach, describe, expect, it } from 'vitest';
import { readNodeCounts } from '../../src/main/engine/simulate';
import { contactTimeline } from '../../src/main/engine/timeline';
import { MAX_MESSAGE_BODY_CHARS } from '../../src/shared/sms/segments';
import { edge, graph, node } from '../support/graphs';
import { createHarness, flowDocument, MINUTE, T0, type Harness } from './engineHarness';

let harness: Harness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
});

/** trigger(manual) → sms(body) → exit */
const smsFlow = (body: string) =>
  flowDocument(
    graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]),
    { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
  );

const stepNotes = (h: Harness, contactId: number): string[] =>
  (contactTimeline(h.sqlite, contactId)?.entries ?? []).flatMap((e) => (e.type === 'step' ? [e.note] : []));

describe('a rendered body over the send limit', () => {
  it('is never sent: the contact leaves with body_too_long, the timeline names BODY_TOO_LONG, the node counts it failed', async () => {
    // 200 repetitions of the first name: 600 characters for Al, 2,400 for Bartholomew.
    harness = createHarness(smsFlow('{% for i in (1..200) %}{{ first_name }} {% endfor %}'));
    const al = harness.addContact('+12125550401', { attributes: { first_name: 'Al' } });
    const bart = harness.addContact('+12125550402', { attributes: { first_name: 'Bartholomew' } });
    expect(harness.runtime.enrollContacts(harness.flowId, [al, bart])).toBe(2);
    await harness.runUntil(T0 + 5 * MINUTE);

    expect(harness.messages(al)).toMatchObject([{ channel: 'sms', status: 'delivered' }]);
    expect(harness.messages(bart)).toEqual([]);
    expect(harness.enrollment(bart)).toMatchObject({ state: 'exited', exit_reason: 'body_too_long' });
    const notes = stepNotes(harness, bart);
    expect(notes.some((note) => note.includes('BODY_TOO_LONG') && note.includes('2,400') && note.includes(MAX_MESSAGE_BODY_CHARS.toLocaleString('en-US')))).toBe(true);
    expect(readNodeCounts(harness.sqlite, harness.flowId, ['s']).s).toMatchObject({ entered: 2, failed: 1, exited: 1 });
  });

  it('a loop past the render limits fails the same way, at once, instead of rendering 100,000 characters', async () => {
    harness = createHarness(smsFlow('{% for i in (1..100000) %}x{% endfor %}'));
    const c = harness.addContact('+12125550403');
    harness.runtime.enrollContacts(harness.flowId, [c]);
    await harness.runUntil(T0 + 5 * MINUTE);
    expect(harness.messages(c)).toEqual([]);
    expect(harness.enrollment(c)).toMatchObject({ state: 'exited', exit_reason: 'body_too_long' });
    expect(stepNotes(harness, c).some((note) => note.includes('BODY_TOO_LONG') && note.includes('limit exceeded'))).toBe(true);
  });

  it('an MMS text over the limit is not sent either', async () => {
    const document = flowDocument(
      graph(
        [node('t', 'trigger', { type: 'manual' }), node('m', 'mms', { body: '{% for i in (1..1700) %}y{% endfor %}', subject: '', mediaAssetId: 'asset' }), node('x', 'exit')],
        [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'x')],
      ),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
    );
    harness = createHarness(document);
    const c = harness.addContact('+12125550404', { mms: 'yes' });
    harness.runtime.enrollContacts(harness.flowId, [c]);
    await harness.runUntil(T0 + 5 * MINUTE);
    expect(harness.messages(c)).toEqual([]);
    expect(harness.enrollment(c)).toMatchObject({ exit_reason: 'body_too_long' });
  });
});
