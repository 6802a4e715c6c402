import { areaCodeOf, areaCodesOf } from './areaCodes';
import { matchesFilters } from './compare';
import { parseInstant } from './dates';
import {
  isGroup,
  windowMs,
  type AttributeRule,
  type EngagementRule,
  type EventCount,
  type EventWindow,
  type SegmentCatalog,
  type SegmentDefinition,
  type SegmentNode,
  type SegmentRule,
} from './segment';

/**
 * A segment evaluated for one contact: what incremental entry (a change to one contact) and
 * branch conditions use instead of the SQL query. It mirrors compile.ts rule by rule: SQLite's
 * lower() and trim() touch ASCII letters and spaces only, and so do the helpers here. A test
 * runs both over the same contacts and expects the same members.
 */

export interface ContactFacts {
  id: number;
  phone: string;
  timeZone: string | null;
  mmsCapable: string;
  pausedUntil: number | null;
  attributes: Record<string, unknown>;
  /** At least every event whose name the segment mentions ('message_received' for replies). */
  events: ReadonlyArray<{ name: string; occurredAt: number; properties: Record<string, unknown> }>;
  /** When each marketing message to the contact was accepted by the provider. */
  messagesAccepted: readonly number[];
  /** When the contact clicked a tracked link (link-preview fetchers left out). */
  clicks: readonly number[];
  /** The contact's consent ledger (every channel and category). */
  consent: ReadonlyArray<{ id: number; kind: string; channel: string; category: string | null; occurredAt: number }>;
}

/** An SMS opt-in covers MMS too (both are texts to the carrier); `all` is a STOP or START. */
export const consentChannelSets: Readonly<Record<'sms' | 'mms', readonly string[]>> = {
  sms: ['sms', 'all'],
  mms: ['sms', 'mms', 'all'],
};

export const asciiLower = (text: string): string => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
const trimSpaces = (text: string): string => text.replace(/^ +| +$/g, '');
/** Values of a text rule as the query compares them. */
export const textValues = (values: readonly string[]): string[] => values.map((v) => asciiLower(trimSpaces(v)));
export const numberList = (values: readonly string[]): number[] => values.map(Number);
/** "at least 0" holds for everyone. */
export const isTrivialCount = (count: EventCount): boolean => count.operator === 'at_least' && count.value === 0;

export function evaluateSegment(definition: SegmentDefinition, catalog: SegmentCatalog, facts: ContactFacts, now: number): boolean {
  return evaluateGroup(definition.rules, definition.match, catalog, facts, now);
}

function evaluateGroup(rules: readonly SegmentNode[], match: 'all' | 'any', catalog: SegmentCatalog, facts: ContactFacts, now: number): boolean {
  if (rules.length === 0) return true;
  const holds = (node: SegmentNode): boolean =>
    isGroup(node) ? evaluateGroup(node.rules, node.match, catalog, facts, now) : evaluateRule(node, catalog, facts, now);
  return match === 'all' ? rules.every(holds) : rules.some(holds);
}

export function evaluateRule(rule: SegmentRule, catalog: SegmentCatalog, facts: ContactFacts, now: number): boolean {
  switch (rule.type) {
    case 'attribute':
      return evaluateAttribute(rule, catalog, facts.attributes[rule.attribute]);
    case 'event': {
      if (isTrivialCount(rule.count)) return true;
      const n = facts.events.filter(
        (e) => e.name === rule.event && inWindow(e.occurredAt, rule.window, now) && (rule.properties.length === 0 || matchesFilters(e.properties, rule.properties)),
      ).length;
      return countHolds(rule.count, n);
    }
    case 'engagement': {
      if (isTrivialCount(rule.count)) return true;
      const n = engagementTimes(rule.activity, facts).filter((at) => inWindow(at, rule.window, now)).length;
      return countHolds(rule.count, n);
    }
    case 'consent': {
      const channels = consentChannelSets[rule.channel];
      const kind = latest(facts.consent.filter((r) => (r.kind === 'opt_in' || r.kind === 'opt_out') && channels.includes(r.channel) && r.occurredAt <= now));
      const state = kind === 'opt_in' ? 'opted_in' : kind === 'opt_out' ? 'opted_out' : 'none';
      return state === rule.state;
    }
    case 'subscription': {
      const kind =
        latest(facts.consent.filter((r) => (r.kind === 'subscribe' || r.kind === 'unsubscribe') && r.category === rule.category && r.occurredAt <= now)) ??
        (catalog.categories[rule.category]?.isDefaultSubscribed ? 'subscribe' : 'unsubscribe');
      return kind === (rule.state === 'subscribed' ? 'subscribe' : 'unsubscribe');
    }
    case 'paused':
      return (facts.pausedUntil ?? 0) > now === rule.isPaused;
    case 'mms_capable':
      return (rule.values as readonly string[]).includes(facts.mmsCapable);
    case 'location': {
      let isIn: boolean;
      if (rule.field === 'time_zone') isIn = rule.values.includes(facts.timeZone ?? '');
      else {
        const codes = rule.field === 'area_code' ? rule.values : rule.values.flatMap((state) => areaCodesOf(state));
        isIn = codes.includes(areaCodeOf(facts.phone) ?? '');
      }
      return rule.operator === 'in' ? isIn : !isIn;
    }
  }
}

/** The kind of the latest record (by time, then by id), or null. */
function latest(records: ReadonlyArray<{ id: number; kind: string; occurredAt: number }>): string | null {
  let best: { id: number; kind: string; occurredAt: number } | null = null;
  for (const r of records) if (!best || r.occurredAt > best.occurredAt || (r.occurredAt === best.occurredAt && r.id > best.id)) best = r;
  return best?.kind ?? null;
}

export function inWindow(at: number, window: EventWindow, now: number): boolean {
  if (at > now) return false;
  switch (window.type) {
    case 'ever':
      return true;
    case 'last':
      return at > now - windowMs(window);
    case 'since':
      return at >= (parseInstant(window.date) ?? Number.MAX_SAFE_INTEGER);
  }
}

function countHolds(count: EventCount, n: number): boolean {
  return count.operator === 'at_least' ? n >= count.value : count.operator === 'at_most' ? n <= count.value : n === count.value;
}

/** The attribute's value as SQLite's CAST(json_extract(…) AS TEXT) gives it (booleans are 1 and 0). */
function textOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function evaluateAttribute(rule: AttributeRule, catalog: SegmentCatalog, value: unknown): boolean {
  const type = catalog.attributes[rule.attribute] ?? 'text';
  switch (type) {
    case 'text': {
      const raw = textOf(value);
      const text = raw === null ? null : asciiLower(trimSpaces(raw));
      const values = textValues(rule.values);
      switch (rule.operator) {
        case 'equals':
          return text !== null && text === values[0];
        case 'not_equals':
          return (text ?? '') !== values[0];
        case 'contains':
          return raw !== null && asciiLower(raw).includes(asciiLower(rule.values[0] ?? ''));
        case 'in':
          return text !== null && values.includes(text);
        case 'not_in':
          return !values.includes(text ?? '');
        case 'is_set':
          return (raw ?? '') !== '';
        case 'is_not_set':
          return (raw ?? '') === '';
        default:
          return false;
      }
    }
    case 'number': {
      const n = typeof value === 'number' ? value : null;
      const values = numberList(rule.values);
      const first = values[0] ?? 0;
      switch (rule.operator) {
        case 'equals':
          return n !== null && n === first;
        case 'not_equals':
          return n === null || n !== first;
        case 'in':
          return n !== null && values.includes(n);
        case 'not_in':
          return n === null || !values.includes(n);
        case 'between':
          return n !== null && n >= Math.min(...values) && n <= Math.max(...values);
        case 'greater_than':
          return n !== null && n > first;
        case 'less_than':
          return n !== null && n < first;
        case 'is_set':
          return n !== null;
        case 'is_not_set':
          return n === null;
        default:
          return false;
      }
    }
    case 'date': {
      const day = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
      const values = rule.values.map((v) => v.trim().slice(0, 10)).sort();
      const first = values[0] ?? '';
      switch (rule.operator) {
        case 'equals':
          return day !== null && day === first;
        case 'between':
          return day !== null && day >= first && day <= (values[1] ?? '');
        case 'greater_than':
          return day !== null && day > first;
        case 'less_than':
          return day !== null && day < first;
        case 'is_set':
          return day !== null;
        case 'is_not_set':
          return day === null;
        default:
          return false;
      }
    }
    case 'list': {
      const elements = value === undefined || value === null ? [] : Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value) : [value];
      const texts = elements.map(textOf);
      const values = textValues(rule.values);
      const hasAny = texts.some((t) => t !== null && values.includes(asciiLower(trimSpaces(t))));
      switch (rule.operator) {
        case 'contains':
        case 'in':
          return hasAny;
        case 'not_in':
          return !hasAny;
        case 'is_set':
          return texts.some((t) => (t ?? '') !== '');
        case 'is_not_set':
          return !texts.some((t) => (t ?? '') !== '');
        default:
          return false;
      }
    }
  }
}

/**
 * The first moment after `now` at which the segment holds for this contact by the passing of
 * time alone (no new event, no change): "no order_placed in the last 3 days" becomes true 3
 * days after the last one; a pause ends. Null when time alone never makes it true. Between two
 * such moments nothing the segment reads changes, so trying each in order is exact.
 */
export function becomesTrueAt(definition: SegmentDefinition, catalog: SegmentCatalog, facts: ContactFacts, now: number): number | null {
  for (const at of timeChanges(definition, facts, now)) {
    if (evaluateSegment(definition, catalog, facts, at)) return at;
  }
  return null;
}

/** When each engagement of the kind happened: replies are `message_received` events. */
function engagementTimes(activity: EngagementRule['activity'], facts: ContactFacts): readonly number[] {
  switch (activity) {
    case 'received':
      return facts.messagesAccepted;
    case 'clicked':
      return facts.clicks;
    case 'replied':
      return facts.events.filter((e) => e.name === 'message_received').map((e) => e.occurredAt);
  }
}

/** Every later instant at which some rule of the segment may change value, ascending. */
export function timeChanges(definition: SegmentDefinition, facts: ContactFacts, now: number): number[] {
  const moments = new Set<number>();
  const add = (at: number): void => {
    if (at > now) moments.add(at);
  };
  const visit = (nodes: readonly SegmentNode[]): void => {
    for (const node of nodes) {
      if (isGroup(node)) {
        visit(node.rules);
        continue;
      }
      if (node.type === 'event' || node.type === 'engagement') {
        const times =
          node.type === 'engagement' ? engagementTimes(node.activity, facts) : facts.events.filter((e) => e.name === node.event).map((e) => e.occurredAt);
        for (const at of times) {
          add(at); // recorded ahead of time: counts from then on
          if (node.window.type === 'last') add(at + windowMs(node.window));
        }
        if (node.window.type === 'since') {
          const since = parseInstant(node.window.date);
          if (since !== null) add(since);
        }
      } else if (node.type === 'paused' && facts.pausedUntil !== null) {
        add(facts.pausedUntil);
      } else if (node.type === 'consent' || node.type === 'subscription') {
        for (const record of facts.consent) add(record.occurredAt);
      }
    }
  };
  visit(definition.rules);
  return [...moments].sort((a, b) => a - b);
}

/** The event names a segment reads, so a loader fetches only those events of a contact. */
export function eventNamesOf(definition: SegmentDefinition): string[] {
  const names = new Set<string>();
  const visit = (nodes: readonly SegmentNode[]): void => {
    for (const node of nodes) {
      if (isGroup(node)) visit(node.rules);
      else if (node.type === 'event') names.add(node.event);
      else if (node.type === 'engagement' && node.activity === 'replied') names.add('message_received');
    }
  };
  visit(definition.rules);
  return [...names];
}

/** Whether a segment has a "clicked" rule, so a loader reads the contact's clicks only then. */
export function readsClicks(definition: SegmentDefinition): boolean {
  const visit = (nodes: readonly SegmentNode[]): boolean => nodes.some((node) => (isGroup(node) ? visit(node.rules) : node.type === 'engagement' && node.activity === 'clicked'));
  return visit(definition.rules);
}
