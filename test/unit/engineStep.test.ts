import { describe, expect, it } from 'vitest';
import { defaultFlowSettings, type FlowNode } from '../../src/shared';
import { classifyInbound } from '../../src/shared/engine/keywords';
import { hash32, seededRandom, unitHash } from '../../src/shared/engine/random';
import { inferTimeZone, normalizePhone } from '../../src/main/contacts/timeZone';
import { isQuietAt, nextWindowOpening, quietHoursEnd } from '../../src/main/engine/localTime';
import { compare, mayEnter, splitVariant, step, type MessageView, type StepContact, type StepContext, type StepFacts } from '../../src/main/engine/step';
import { classifyProviderError } from '../../src/main/providers/errors';
import { node } from '../support/graphs';

const T0 = Date.parse('2026-01-05T15:00:00.000Z'); // Monday 10:00 in New York
const HOUR = 3_600_000;

const contact = (overrides: Partial<StepContact> = {}): StepContact => ({
  id: 1,
  phone: '+12125550100',
  attributes: { first_name: 'Ava', points: 120 },
  timeZone: 'America/New_York',
  mmsCapable: 'unknown',
  ...overrides,
});

function facts(overrides: Partial<StepFacts> = {}): StepFacts {
  return { countEvents: () => 0, messageFromNode: () => null, message: () => null, ...overrides };
}

function context(overrides: Partial<StepContext> & { nodeEnteredAt?: number; awaitMessageId?: number | null } = {}): StepContext {
  return {
    settings: defaultFlowSettings(),
    enrollment: { id: 7, nodeId: 'n', state: 'active', enteredAt: T0, nodeEnteredAt: overrides.nodeEnteredAt ?? T0, awaitMessageId: overrides.awaitMessageId ?? null },
    facts: overrides.facts ?? facts(),
    phase: overrides.phase ?? 'enter',
  };
}

const message = (overrides: Partial<MessageView>): MessageView => ({
  id: 9,
  nodeId: 'm',
  channel: 'mms',
  status: 'queued',
  reason: null,
  errorClass: null,
  acceptedAt: null,
  ...overrides,
});

describe('step: trigger and exit', () => {
  it('a trigger passes the contact on', () => {
    expect(step(node('t', 'trigger'), contact(), context(), T0).transition).toEqual({ type: 'follow', port: 'next' });
  });
  it('an exit ends the enrollment with its reason, or "completed"', () => {
    expect(step(node('x', 'exit', { reason: 'bought' }), contact(), context(), T0).transition).toEqual({ type: 'exit', reason: 'bought' });
    expect(step(node('x', 'exit'), contact(), context(), T0).transition).toEqual({ type: 'exit', reason: 'completed' });
  });
});

describe('step: wait', () => {
  const wait = node('w', 'wait', { type: 'duration', amount: 2, unit: 'hours' });
  it('parks a duration wait until it elapses, then follows next', () => {
    expect(step(wait, contact(), context(), T0).transition).toEqual({ type: 'park', state: 'waiting', wakeAt: T0 + 2 * HOUR });
    expect(step(wait, contact(), context({ phase: 'resume' }), T0 + HOUR).transition).toEqual({ type: 'park', state: 'waiting', wakeAt: T0 + 2 * HOUR });
    expect(step(wait, contact(), context({ phase: 'resume' }), T0 + 2 * HOUR).transition).toEqual({ type: 'follow', port: 'next' });
  });

  it('waits for a local window in the contact zone', () => {
    const window = node('w', 'wait', { type: 'window', days: ['tue'], start: '10:00', end: '12:00' });
    const effects = step(window, contact({ timeZone: 'America/Los_Angeles' }), context(), T0);
    // Tuesday 10:00 in Los Angeles is 18:00 UTC.
    expect(effects.transition).toEqual({ type: 'park', state: 'waiting', wakeAt: Date.parse('2026-01-06T18:00:00.000Z') });
    const inside = Date.parse('2026-01-06T18:30:00.000Z');
    expect(step(window, contact({ timeZone: 'America/Los_Angeles' }), context({ phase: 'resume' }), inside).transition.type).toBe('follow');
  });

  it('waits for an event with a timeout: event port, or timeout port', () => {
    const w = node('w', 'wait', { type: 'event', event: 'purchased', timeoutAmount: 1, timeoutUnit: 'days' });
    expect(step(w, contact(), context(), T0).transition).toEqual({ type: 'park', state: 'awaiting_event', wakeAt: T0 + 24 * HOUR });
    const seen = facts({ countEvents: (_c, name, since, until) => (name === 'purchased' && since === T0 && until >= T0 + HOUR ? 1 : 0) });
    expect(step(w, contact(), context({ phase: 'resume', facts: seen }), T0 + HOUR).transition).toEqual({ type: 'follow', port: 'event' });
    expect(step(w, contact(), context({ phase: 'resume' }), T0 + 24 * HOUR).transition).toEqual({ type: 'follow', port: 'timeout' });
  });
});

describe('step: messages', () => {
  it('renders an SMS with the contact attributes; missing variables render their default', () => {
    const sms = node('s', 'sms', { body: 'Hi {{ first_name }}, {{ nickname | default: "friend" }}!' });
    const effects = step(sms, contact(), context(), T0);
    expect(effects.send).toMatchObject({ channel: 'sms', body: 'Hi Ava, friend!', segments: 1 });
    expect(effects.transition).toEqual({ type: 'park', state: 'awaiting_message', wakeAt: null });
  });

  it('moves on from an SMS only once it has actually been sent, so quiet hours hold the steps after it too', () => {
    const sms = node('s', 'sms', { body: 'Hi' });
    const waitingOn = (status: MessageView['status'], reason: string | null = null) =>
      context({
        phase: 'resume',
        awaitMessageId: 9,
        facts: facts({ message: (id) => (id === 9 ? message({ nodeId: 's', channel: 'sms', status, reason }) : null) }),
      });
    expect(step(sms, contact(), waitingOn('queued'), T0).transition).toEqual({ type: 'park', state: 'awaiting_message', wakeAt: null });
    expect(step(sms, contact(), waitingOn('sent'), T0).transition).toEqual({ type: 'follow', port: 'next' });
    expect(step(sms, contact(), waitingOn('failed'), T0).transition).toEqual({ type: 'follow', port: 'next' });
    expect(step(sms, contact(), waitingOn('skipped', 'frequency_cap'), T0).transition).toEqual({ type: 'follow', port: 'next' });
    expect(step(sms, contact(), waitingOn('cancelled', 'no_consent'), T0).transition).toEqual({ type: 'exit', reason: 'no_consent' });
  });

  it('renders each contact with its own values when many contacts share a body (outputs are reused only for equal values)', () => {
    const sms = node('s', 'sms', { body: 'Hi {{ first_name | default: "there" }}{% if tier == "vip" %}, VIP{% endif %} ({{ phone }})' });
    const body = (c: StepContact) => step(sms, c, context(), T0).send?.body;
    expect(body(contact())).toBe('Hi Ava (+12125550100)');
    expect(body(contact({ attributes: { first_name: 'Liam' } }))).toBe('Hi Liam (+12125550100)');
    expect(body(contact({ attributes: { first_name: 'Ava', tier: 'vip' } }))).toBe('Hi Ava, VIP (+12125550100)');
    // An attribute the body does not read changes nothing; the phone it reads does.
    expect(body(contact({ attributes: { first_name: 'Ava', city: 'Austin' } }))).toBe('Hi Ava (+12125550100)');
    expect(body(contact({ phone: '+12125550199' }))).toBe('Hi Ava (+12125550199)');
    // Missing, null and inherited names all render the default; a number is not its text.
    expect(body(contact({ attributes: {} }))).toBe('Hi there (+12125550100)');
    expect(body(contact({ attributes: { first_name: null } }))).toBe('Hi there (+12125550100)');
    const count = node('s', 'sms', { body: '{{ constructor | default: "none" }} {{ n | plus: 1 }}' });
    expect(step(count, contact({ attributes: { n: 1 } }), context(), T0).send?.body).toBe('none 2');
    expect(step(count, contact({ attributes: { n: '1' } }), context(), T0).send?.body).toBe('none 2');
    expect(step(count, contact({ attributes: { n: 41 } }), context(), T0).send?.body).toBe('none 42');
  });

  it('counts SMS segments (GSM-7 160, UCS-2 70)', () => {
    expect(step(node('s', 'sms', { body: 'x'.repeat(161) }), contact(), context(), T0).send?.segments).toBe(2);
    expect(step(node('s', 'sms', { body: '🎉'.repeat(40) }), contact(), context(), T0).send?.segments).toBe(2);
  });

  it('an MMS to a contact known not to take MMS takes the fallback port without sending', () => {
    const effects = step(node('m', 'mms', { body: 'Look' }), contact({ mmsCapable: 'no' }), context(), T0);
    expect(effects.send).toBeUndefined();
    expect(effects.transition).toMatchObject({ type: 'follow', port: 'fallback' });
    expect(effects.counters).toEqual(['fellBack']);
  });

  it('an MMS is queued and the enrollment waits for its outcome', () => {
    const effects = step(node('m', 'mms', { body: 'Look {{ first_name }}', subject: 'New' }), contact(), context(), T0);
    expect(effects.send).toMatchObject({ channel: 'mms', body: 'Look Ava', subject: 'New' });
    expect(effects.transition).toEqual({ type: 'park', state: 'awaiting_message', wakeAt: null });
  });

  const mms = node('m', 'mms', { body: 'Look', fallbackAfterHours: 24 });
  const resume = (m: MessageView, now = T0 + HOUR) =>
    step(mms, contact(), context({ phase: 'resume', awaitMessageId: m.id, facts: facts({ message: () => m }) }), now);

  it('follows sent once delivered', () => {
    expect(resume(message({ status: 'delivered', acceptedAt: T0 })).transition).toMatchObject({ type: 'follow', port: 'sent' });
  });
  it('falls back when delivery fails with an MMS-class error', () => {
    const effects = resume(message({ status: 'undelivered', errorClass: 'mms_unsupported', acceptedAt: T0 }));
    expect(effects.transition).toMatchObject({ type: 'follow', port: 'fallback' });
    expect(effects.counters).toEqual(['fellBack']);
  });
  it('falls back when the provider rejects the MMS', () => {
    expect(resume(message({ status: 'failed', errorClass: 'mms_unsupported' })).transition).toMatchObject({ port: 'fallback' });
  });
  it('a failure that is not about MMS does not fall back', () => {
    expect(resume(message({ status: 'undelivered', errorClass: 'permanent', acceptedAt: T0 })).transition).toMatchObject({ port: 'sent' });
  });
  it('waits for the receipt until fallbackAfterHours after acceptance, then falls back', () => {
    expect(resume(message({ status: 'sent', acceptedAt: T0 })).transition).toEqual({ type: 'park', state: 'awaiting_message', wakeAt: T0 + 24 * HOUR });
    expect(resume(message({ status: 'sent', acceptedAt: T0 }), T0 + 24 * HOUR).transition).toMatchObject({ port: 'fallback' });
  });
  it('an MMS cancelled by an opt-out ends the enrollment with that reason', () => {
    expect(resume(message({ status: 'cancelled', reason: 'opted_out' })).transition).toEqual({ type: 'exit', reason: 'opted_out' });
  });
  it('keeps waiting while the MMS is still queued (e.g. held by quiet hours)', () => {
    expect(resume(message({ status: 'queued' })).transition).toEqual({ type: 'park', state: 'awaiting_message', wakeAt: null });
  });
});

describe('step: branch', () => {
  const branch = (conditions: object[]): FlowNode => node('b', 'branch', { conditions } as never);
  const cond = (subject: string, name: string, operator: string, value = '') => ({ id: 'c1', label: 'C', subject, name, operator, value });

  it('routes on attributes (numbers compare as numbers), else last', () => {
    expect(step(branch([cond('attribute', 'points', 'greater_than', '100')]), contact(), context(), T0).transition).toMatchObject({ port: 'c1' });
    expect(step(branch([cond('attribute', 'points', 'greater_than', '500')]), contact(), context(), T0).transition).toMatchObject({ port: 'else' });
  });
  it('routes on events since enrollment', () => {
    const f = facts({ countEvents: (_c, name, since) => (name === 'purchased' && since === T0 ? 1 : 0) });
    expect(step(branch([cond('event_since_entry', 'purchased', 'exists')]), contact(), context({ facts: f }), T0 + HOUR).transition).toMatchObject({ port: 'c1' });
    expect(step(branch([cond('event_since_entry', 'purchased', 'exists')]), contact(), context(), T0 + HOUR).transition).toMatchObject({ port: 'else' });
  });
  it('routes on the outcome of an earlier message', () => {
    const f = facts({ messageFromNode: (enrollmentId, nodeId) => (enrollmentId === 7 && nodeId === 'm' ? message({ status: 'delivered' }) : null) });
    expect(step(branch([cond('message_outcome', 'm', 'equals', 'delivered')]), contact(), context({ facts: f }), T0).transition).toMatchObject({ port: 'c1' });
    expect(step(branch([cond('message_outcome', 'm', 'equals', 'failed')]), contact(), context({ facts: f }), T0).transition).toMatchObject({ port: 'else' });
  });
  it('routes on MMS capability', () => {
    expect(step(branch([cond('mms_capable', '', 'equals', 'no')]), contact({ mmsCapable: 'no' }), context(), T0).transition).toMatchObject({ port: 'c1' });
    expect(step(branch([cond('mms_capable', '', 'equals', 'no')]), contact({ mmsCapable: 'yes' }), context(), T0).transition).toMatchObject({ port: 'else' });
  });
  it('compare handles presence, text and numbers', () => {
    expect(compare(undefined, 'exists', '')).toBe(false);
    expect(compare('Gold', 'equals', 'gold')).toBe(true);
    expect(compare('Gold tier', 'contains', 'TIER')).toBe(true);
    expect(compare('10', 'less_than', '9')).toBe(false);
    expect(compare(undefined, 'not_equals', 'x')).toBe(true);
  });
});

describe('step: split', () => {
  const split = node('s', 'split', {
    variants: [
      { id: 'va', label: 'A', weight: 45, isHoldout: false },
      { id: 'vb', label: 'B', weight: 45, isHoldout: false },
      { id: 'vh', label: 'Holdout', weight: 10, isHoldout: true },
    ],
  }) as Extract<FlowNode, { kind: 'split' }>;

  it('assigns a contact to the same variant every time (stable hash of contact and node)', () => {
    const first = splitVariant(split, '+12125550100');
    for (let i = 0; i < 5; i++) expect(splitVariant(split, '+12125550100')).toEqual(first);
  });
  it('respects the weights over many contacts, holdouts leave the flow', () => {
    const counts: Record<string, number> = { va: 0, vb: 0, vh: 0 };
    for (let i = 0; i < 20_000; i++) counts[(splitVariant(split, `+1212555${String(i).padStart(4, '0')}`) as { id: string }).id]! += 1;
    expect(counts.va! / 20_000).toBeCloseTo(0.45, 1);
    expect(counts.vh! / 20_000).toBeCloseTo(0.1, 1);
    const holdoutPhone = Array.from({ length: 200 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`).find((p) => splitVariant(split, p)?.isHoldout);
    expect(step(split, contact({ phone: holdoutPhone as string }), context(), T0).transition).toEqual({ type: 'follow', port: 'vh', orExit: 'holdout' });
  });
});

describe('re-entry rule', () => {
  const history = (active: number, lastEnteredAt: number | null, lastExitedAt: number | null) => ({ activeCount: active, lastEnteredAt, lastExitedAt });
  it('never: only the first time', () => {
    expect(mayEnter({ mode: 'never', minGapHours: 0 }, history(0, null, null), T0)).toBe(true);
    expect(mayEnter({ mode: 'never', minGapHours: 0 }, history(0, T0 - 100 * HOUR, T0 - 99 * HOUR), T0)).toBe(false);
  });
  it('after_exit: not while enrolled, and only after the minimum gap', () => {
    const rule = { mode: 'after_exit' as const, minGapHours: 24 };
    expect(mayEnter(rule, history(1, T0 - 48 * HOUR, null), T0)).toBe(false);
    expect(mayEnter(rule, history(0, T0 - 48 * HOUR, T0 - 2 * HOUR), T0)).toBe(false);
    expect(mayEnter(rule, history(0, T0 - 48 * HOUR, T0 - 25 * HOUR), T0)).toBe(true);
  });
  it('always: concurrent runs allowed after the gap since the last entry', () => {
    const rule = { mode: 'always' as const, minGapHours: 1 };
    expect(mayEnter(rule, history(1, T0 - 30 * 60_000, null), T0)).toBe(false);
    expect(mayEnter(rule, history(1, T0 - 2 * HOUR, null), T0)).toBe(true);
  });
});

describe('quiet hours and local time', () => {
  const quiet = { isEnabled: true, start: '21:00', end: '08:00' };
  it('is quiet at night in the recipient zone, not in ours', () => {
    const at = Date.parse('2026-01-06T03:00:00.000Z'); // 22:00 New York, 19:00 Los Angeles
    expect(isQuietAt(quiet, 'America/New_York', at)).toBe(true);
    expect(isQuietAt(quiet, 'America/Los_Angeles', at)).toBe(false);
    expect(quietHoursEnd(quiet, 'America/New_York', at)).toBe(Date.parse('2026-01-06T13:00:00.000Z'));
  });
  it('handles a DST change: 08:00 local on the morning clocks spring forward', () => {
    const night = Date.parse('2026-03-08T06:30:00.000Z'); // 01:30 EST, DST starts at 02:00
    expect(quietHoursEnd(quiet, 'America/New_York', night)).toBe(Date.parse('2026-03-08T12:00:00.000Z')); // 08:00 EDT
  });
  it('a disabled window is never quiet', () => {
    expect(isQuietAt({ ...quiet, isEnabled: false }, 'America/New_York', Date.parse('2026-01-06T03:00:00.000Z'))).toBe(false);
  });
  it('finds the next window opening on allowed weekdays', () => {
    const friday = Date.parse('2026-01-09T20:00:00.000Z'); // Fri 15:00 New York
    expect(nextWindowOpening('America/New_York', friday, ['mon'], '10:00', '12:00')).toBe(Date.parse('2026-01-12T15:00:00.000Z'));
  });
});

describe('phones, zones and keywords', () => {
  it('normalises phones to E.164 and infers the zone from the area code or country', () => {
    expect(normalizePhone('(415) 555-0134')).toBe('+14155550134');
    expect(normalizePhone('not a phone')).toBeNull();
    expect(inferTimeZone('+14155550134')).toBe('America/Los_Angeles');
    expect(inferTimeZone('+13125550134')).toBe('America/Chicago');
    expect(inferTimeZone('+16045550134')).toBe('America/Vancouver');
    expect(inferTimeZone('+447700900123')).toBe('Europe/London');
  });
  it('recognises opt-out, opt-in and help keywords in any case with spaces', () => {
    for (const word of ['STOP', ' stop ', 'StopAll', 'unsubscribe', 'CANCEL', 'end', 'Quit', 'revoke', 'OPTOUT']) expect(classifyInbound(word)).toBe('opt_out');
    expect(classifyInbound('start')).toBe('opt_in');
    expect(classifyInbound(' UNSTOP')).toBe('opt_in');
    expect(classifyInbound('help')).toBe('help');
    expect(classifyInbound('stop texting me please')).toBe('other');
  });
  it('classifies provider errors', () => {
    expect(classifyProviderError('21610')).toBe('opted_out');
    expect(classifyProviderError('30019')).toBe('mms_unsupported');
    expect(classifyProviderError('x', 429)).toBe('rate_limited');
    expect(classifyProviderError('x', 503)).toBe('retryable');
    expect(classifyProviderError('x', 400)).toBe('permanent');
  });
  it('hashing and seeded randomness are reproducible', () => {
    expect(hash32('abc')).toBe(hash32('abc'));
    expect(unitHash('a', 1)).not.toBe(unitHash('a', 2));
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
  });
});
