import { SegmentedMessage } from 'sms-segments-calculator';
import type { FlowSettings, ReentryRule } from '../../shared/flow/settings';
import type { FlowNode, FlowNodeOf } from '../../shared/graph/graph';
import { durationMs, unaryOperators, type BranchCondition, type ConditionOperator, type PropertyFilter } from '../../shared/graph/nodes';
import type { Channel, CounterMetric, EnrollmentState, MessageStatus, MmsCapability, ProviderErrorClass } from '../../shared/engine/types';
import { unitHash } from '../../shared/engine/random';
import { analyzeTemplate, renderTemplate } from '../../shared/template';
import { nextWindowOpening } from './localTime';

/**
 * The pure heart of the engine: given one node, the contact, what the engine knows (read-only
 * facts) and the time, decide what happens. No clock, no ids, no randomness, no writes: the
 * runtime applies the returned effects in one transaction. The same inputs always give the
 * same effects, which is what makes dry-runs and crash recovery trustworthy.
 */

export interface StepContact {
  id: number;
  phone: string;
  attributes: Record<string, unknown>;
  /** Already resolved: the contact's own zone, inferred, or the flow's default. */
  timeZone: string;
  mmsCapable: MmsCapability;
}

export interface StepEnrollment {
  id: number;
  nodeId: string;
  state: EnrollmentState;
  enteredAt: number;
  nodeEnteredAt: number;
  awaitMessageId: number | null;
}

export interface MessageView {
  id: number;
  nodeId: string | null;
  channel: Channel;
  status: MessageStatus;
  reason: string | null;
  errorClass: ProviderErrorClass | null;
  acceptedAt: number | null;
}

/** Read-only questions the step may ask about the world (answered from SQLite by the runtime). */
export interface StepFacts {
  /** How many `name` events the contact had with occurred_at in [since, until]. */
  countEvents(contactId: number, name: string, since: number, until: number): number;
  /** The latest message an enrollment sent from a node. */
  messageFromNode(enrollmentId: number, nodeId: string): MessageView | null;
  message(messageId: number): MessageView | null;
}

export interface StepContext {
  settings: FlowSettings;
  enrollment: StepEnrollment;
  facts: StepFacts;
  /** 'enter' on arrival at the node; 'resume' when a timer, receipt or event woke the enrollment. */
  phase: 'enter' | 'resume';
}

export interface SendIntent {
  channel: Channel;
  body: string;
  subject: string | null;
  mediaRef: string | null;
  segments: number;
}

export type Transition =
  /** `orExit` names the exit reason when the port is not connected (default `no_path`). */
  | { type: 'follow'; port: string; orExit?: string }
  | { type: 'park'; state: 'waiting' | 'awaiting_message' | 'awaiting_event'; wakeAt: number | null }
  | { type: 'exit'; reason: string };

export interface StepEffects {
  transition: Transition;
  send?: SendIntent;
  /** Counters of this node to bump (entries are counted by the runtime on arrival). */
  counters: CounterMetric[];
  note: string;
}

const follow = (port: string, note: string, counters: CounterMetric[] = [], orExit?: string): StepEffects => ({
  transition: orExit ? { type: 'follow', port, orExit } : { type: 'follow', port },
  counters,
  note,
});
const park = (state: 'waiting' | 'awaiting_message' | 'awaiting_event', wakeAt: number | null, note: string): StepEffects => ({
  transition: { type: 'park', state, wakeAt },
  counters: [],
  note,
});
const exit = (reason: string, note: string = reason): StepEffects => ({ transition: { type: 'exit', reason }, counters: [], note });

export function step(node: FlowNode, contact: StepContact, context: StepContext, now: number): StepEffects {
  switch (node.kind) {
    case 'trigger':
      return follow('next', 'entered');
    case 'wait':
      return stepWait(node, contact, context, now);
    case 'sms':
      return stepSms(node, contact, context);
    case 'mms':
      return stepMms(node, contact, context, now);
    case 'branch':
      return stepBranch(node, contact, context, now);
    case 'split':
      return stepSplit(node, contact);
    case 'exit':
      return exit(node.config.reason.trim() || 'completed', 'exit');
  }
}

// ------------------------------------------------------------------------------------ wait
function stepWait(node: FlowNodeOf<'wait'>, contact: StepContact, context: StepContext, now: number): StepEffects {
  const config = node.config;
  const enteredAt = context.enrollment.nodeEnteredAt;
  switch (config.type) {
    case 'duration': {
      const due = enteredAt + durationMs(config.amount, config.unit);
      return now >= due ? follow('next', 'waited') : park('waiting', due, `waiting until ${iso(due)}`);
    }
    case 'window': {
      const opening = nextWindowOpening(contact.timeZone, now, config.days, config.start, config.end);
      if (opening <= now) return follow('next', 'window open');
      if (!Number.isFinite(opening)) return exit('window_never_opens');
      return park('waiting', opening, `waiting for the window at ${iso(opening)}`);
    }
    case 'event': {
      const deadline = enteredAt + durationMs(config.timeoutAmount, config.timeoutUnit);
      const seen = context.facts.countEvents(contact.id, config.event, enteredAt, Math.min(now, deadline));
      if (seen > 0) return follow('event', `${config.event} happened`);
      if (now >= deadline) return follow('timeout', `no ${config.event} before the timeout`);
      return park('awaiting_event', deadline, `waiting for ${config.event} until ${iso(deadline)}`);
    }
  }
}

// ------------------------------------------------------------------------------------ messages
/** Liquid scope: the contact's attributes plus its phone; missing variables render their default. */
export function templateScope(contact: StepContact): Record<string, unknown> {
  return { ...contact.attributes, phone: contact.phone };
}

const segmentCache = new Map<string, number>();
export function smsSegments(body: string): number {
  let count = segmentCache.get(body);
  if (count === undefined) {
    count = body.length === 0 ? 1 : new SegmentedMessage(body).segmentsCount;
    if (segmentCache.size > 10_000) segmentCache.clear();
    segmentCache.set(body, count);
  }
  return count;
}

/**
 * A body renders the same for every contact with the same values of the variables it reads
 * (Liquid output depends on nothing else), so each template keeps its recent outputs keyed by
 * those values: a journey of a million contacts renders once per distinct first name, not once
 * per contact. Bounded per template and in the number of templates.
 */
interface TemplateOutputs {
  /** The template's global variables (root names), or null when it does not parse. */
  variables: readonly string[] | null;
  outputs: Map<string, string>;
}
const renderedTemplates = new Map<string, TemplateOutputs>();
const MAX_OUTPUTS_PER_TEMPLATE = 10_000;
const MAX_TEMPLATES = 500;

function renderFor(source: string, contact: StepContact): string {
  let entry = renderedTemplates.get(source);
  if (entry === undefined) {
    const analysis = analyzeTemplate(source);
    entry = { variables: analysis.isValid ? analysis.variables : null, outputs: new Map() };
    if (renderedTemplates.size >= MAX_TEMPLATES) renderedTemplates.clear();
    renderedTemplates.set(source, entry);
  }
  // Unparsable: renderTemplate throws the parse error.
  if (entry.variables === null) return renderTemplate(source, templateScope(contact));
  const attributes = contact.attributes;
  const key = JSON.stringify(
    entry.variables.map((name) => (name === 'phone' ? contact.phone : Object.hasOwn(attributes, name) ? attributes[name] : null)),
  );
  let output = entry.outputs.get(key);
  if (output === undefined) {
    output = renderTemplate(source, templateScope(contact));
    if (entry.outputs.size >= MAX_OUTPUTS_PER_TEMPLATE) entry.outputs.clear();
    entry.outputs.set(key, output);
  }
  return output;
}

function render(source: string, contact: StepContact): string | null {
  try {
    return renderFor(source, contact);
  } catch {
    // Validation refuses unparsable templates before publish; a render failure here is data
    // the template did not expect (e.g. a filter on a wrong type): the contact leaves the flow.
    return null;
  }
}

/**
 * An SMS waits until it has actually been sent (or settled otherwise) before the flow moves on:
 * a message held by quiet hours holds the contact's next steps too, so a contact's messages
 * keep their order and the waits between them count from the real send.
 */
function stepSms(node: FlowNodeOf<'sms'>, contact: StepContact, context: StepContext): StepEffects {
  if (context.phase === 'enter') {
    const body = render(node.config.body, contact);
    if (body === null) return exit('render_failed');
    return {
      transition: { type: 'park', state: 'awaiting_message', wakeAt: null },
      send: { channel: 'sms', body, subject: null, mediaRef: null, segments: smsSegments(body) },
      counters: [],
      note: 'SMS queued',
    };
  }
  const messageId = context.enrollment.awaitMessageId;
  const message = messageId === null ? null : context.facts.message(messageId);
  if (!message) return follow('next', 'continued');
  switch (message.status) {
    case 'queued':
    case 'sending':
      return park('awaiting_message', null, 'waiting for the SMS to be sent');
    case 'cancelled':
      return exit(message.reason ?? 'cancelled');
    case 'skipped':
      return follow('next', `SMS skipped (${message.reason ?? 'skipped'})`);
    case 'failed':
    case 'undelivered':
      return follow('next', `SMS ${message.status}`);
    case 'sent':
    case 'delivered':
      return follow('next', 'SMS sent');
  }
}

const acceptedStatuses: ReadonlySet<MessageStatus> = new Set(['sent', 'delivered', 'undelivered', 'failed']);

function stepMms(node: FlowNodeOf<'mms'>, contact: StepContact, context: StepContext, now: number): StepEffects {
  const config = node.config;
  if (context.phase === 'enter') {
    if (contact.mmsCapable === 'no') return follow('fallback', 'fell back to SMS: the contact cannot receive MMS', ['fellBack'], 'no_fallback');
    const body = render(config.body, contact);
    const subject = render(config.subject, contact);
    if (body === null || subject === null) return exit('render_failed');
    return {
      transition: { type: 'park', state: 'awaiting_message', wakeAt: null },
      send: { channel: 'mms', body, subject: subject || null, mediaRef: config.mediaAssetId, segments: 1 },
      counters: [],
      note: 'MMS queued',
    };
  }
  const messageId = context.enrollment.awaitMessageId;
  const message = messageId === null ? null : context.facts.message(messageId);
  if (!message) return exit('message_missing');
  switch (message.status) {
    case 'queued':
    case 'sending':
      return park('awaiting_message', null, 'waiting for the MMS to be sent');
    case 'cancelled':
      return exit(message.reason ?? 'cancelled');
    case 'skipped':
      return follow('sent', `MMS skipped (${message.reason ?? 'skipped'})`);
    case 'delivered':
      return follow('sent', 'MMS delivered');
    case 'failed':
    case 'undelivered':
      if (message.errorClass === 'mms_unsupported') return follow('fallback', 'fell back to SMS: MMS was refused', ['fellBack'], 'no_fallback');
      return follow('sent', `MMS ${message.status}`);
    case 'sent': {
      if (config.fallbackAfterHours <= 0) return follow('sent', 'MMS sent');
      const acceptedAt = message.acceptedAt ?? now;
      const deadline = acceptedAt + config.fallbackAfterHours * 3_600_000;
      if (now >= deadline) return follow('fallback', 'fell back to SMS: no delivery receipt in time', ['fellBack'], 'no_fallback');
      return park('awaiting_message', deadline, 'waiting for the delivery receipt');
    }
  }
}

// ------------------------------------------------------------------------------------ branch
function stepBranch(node: FlowNodeOf<'branch'>, contact: StepContact, context: StepContext, now: number): StepEffects {
  for (const condition of node.config.conditions) {
    if (evaluateCondition(condition, contact, context, now)) return follow(condition.id, `matched "${condition.label || condition.id}"`);
  }
  return follow('else', 'no condition matched');
}

export function evaluateCondition(condition: BranchCondition, contact: StepContact, context: StepContext, now: number): boolean {
  switch (condition.subject) {
    case 'attribute':
      return compare(contact.attributes[condition.name], condition.operator, condition.value);
    case 'event_since_entry': {
      const count = context.facts.countEvents(contact.id, condition.name, context.enrollment.enteredAt, now);
      switch (condition.operator) {
        case 'not_exists':
          return count === 0;
        case 'exists':
          return count > 0;
        default:
          return compare(count, condition.operator, condition.value);
      }
    }
    case 'message_outcome': {
      const message = context.facts.messageFromNode(context.enrollment.id, condition.name);
      if (condition.operator === 'exists') return message !== null;
      if (condition.operator === 'not_exists') return message === null;
      const matches = message !== null && outcomeMatches(message.status, condition.value.trim().toLowerCase());
      return condition.operator === 'not_equals' ? !matches : matches;
    }
    case 'mms_capable': {
      if (condition.operator === 'exists') return contact.mmsCapable === 'yes';
      if (condition.operator === 'not_exists') return contact.mmsCapable !== 'yes';
      const wanted = normalizeCapability(condition.value);
      const matches = contact.mmsCapable === wanted;
      return condition.operator === 'not_equals' ? !matches : matches;
    }
  }
}

/** Outcome words a marketer may type: "sent" covers everything the provider accepted. */
function outcomeMatches(status: MessageStatus, wanted: string): boolean {
  if (wanted === 'sent') return acceptedStatuses.has(status) || status === 'delivered';
  if (wanted === 'failed') return status === 'failed' || status === 'undelivered';
  // Click tracking arrives with link shortening; until then nothing counts as clicked.
  if (wanted === 'clicked') return false;
  return status === wanted;
}

function normalizeCapability(value: string): MmsCapability {
  const v = value.trim().toLowerCase();
  if (v === 'yes' || v === 'true' || v === '1') return 'yes';
  if (v === 'no' || v === 'false' || v === '0') return 'no';
  return 'unknown';
}

/** Compare an attribute or property with a condition's value; numbers compare as numbers. */
export function compare(actual: unknown, operator: ConditionOperator, expected: string): boolean {
  const isPresent = actual !== undefined && actual !== null && actual !== '';
  if (operator === 'exists') return isPresent;
  if (operator === 'not_exists') return !isPresent;
  if (unaryOperators.has(operator)) return false;
  if (!isPresent) return operator === 'not_equals';
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  const a = Number(text);
  const b = Number(expected);
  const isNumeric = text.trim() !== '' && expected.trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
  switch (operator) {
    case 'equals':
      return isNumeric ? a === b : text.trim().toLowerCase() === expected.trim().toLowerCase();
    case 'not_equals':
      return isNumeric ? a !== b : text.trim().toLowerCase() !== expected.trim().toLowerCase();
    case 'contains':
      return text.toLowerCase().includes(expected.toLowerCase());
    case 'greater_than':
      return isNumeric && a > b;
    case 'less_than':
      return isNumeric && a < b;
    default:
      return false;
  }
}

export function matchesFilters(properties: Record<string, unknown>, filters: readonly PropertyFilter[]): boolean {
  return filters.every((f) => compare(properties[f.property], f.operator, f.value));
}

// ------------------------------------------------------------------------------------ split
/** Stable assignment: the same phone at the same node always lands in the same variant. */
export function splitVariant(node: FlowNodeOf<'split'>, phone: string): { id: string; isHoldout: boolean } | undefined {
  const variants = node.config.variants;
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  if (total <= 0) return variants[0];
  let roll = unitHash('split', phone, node.id) * total;
  for (const variant of variants) {
    roll -= Math.max(0, variant.weight);
    if (roll < 0) return variant;
  }
  return variants[variants.length - 1];
}

function stepSplit(node: FlowNodeOf<'split'>, contact: StepContact): StepEffects {
  const variant = splitVariant(node, contact.phone);
  if (!variant) return exit('split_empty');
  return variant.isHoldout
    ? follow(variant.id, `holdout ${variant.id}`, [], 'holdout')
    : follow(variant.id, `variant ${variant.id}`);
}

// ------------------------------------------------------------------------------------ entry
export interface EntryHistory {
  activeCount: number;
  lastEnteredAt: number | null;
  lastExitedAt: number | null;
}

/** The flow's re-entry rule: may this contact start the flow (again) now? */
export function mayEnter(rule: ReentryRule, history: EntryHistory, now: number): boolean {
  const gap = rule.minGapHours * 3_600_000;
  switch (rule.mode) {
    case 'never':
      return history.lastEnteredAt === null;
    case 'after_exit':
      if (history.activeCount > 0) return false;
      return history.lastExitedAt === null || now - history.lastExitedAt >= gap;
    case 'always':
      return history.lastEnteredAt === null || now - history.lastEnteredAt >= gap;
  }
}

const iso = (ts: number): string => new Date(ts).toISOString();
