import type { FlowSettings } from '../../../shared/flow/settings';
import type { FlowGraph } from '../../../shared/graph/graph';
import { SimulationOptions, defaultSimulatedEngagement, defaultSimulatorConfig, type SimulationOptionsInput } from '../../../shared/engine/simulation';

/**
 * The Simulate dialog's values, in the units people type (percentages, dollars), and their
 * translation into `engine.simulate` options. Defaults come from the shared options schema so
 * the dialog, the CLI and the API agree on what "default" means.
 */

export interface BehaviourField {
  event: string;
  percent: number;
  withinHours: number;
}

export interface SimulationForm {
  /** Virtual time starts now (when Run is pressed) or at a chosen local date and time. */
  start: 'now' | 'chosen';
  /** The chosen start, as a `datetime-local` value in the viewer's zone. */
  startLocal: string;
  contactSource: 'synthetic' | 'imported';
  contacts: number;
  days: number;
  seed: number;
  entrySpreadHours: number;
  /** Contacts already known not to take MMS (they go straight down the fallback). */
  knownMmsIncapablePercent: number;
  /** Handsets that turn out not to take MMS when one is sent (found out from the carrier). */
  mmsFailPercent: number;
  stopReplyPercent: number;
  behaviours: BehaviourField[];
  /** How recipients engage with a delivered message: taps on its link, purchases after a tap, texts back. */
  smsClickPercent: number;
  mmsClickPercent: number;
  conversionPercent: number;
  replyPercent: number;
  orderValue: number;
  /** The price table's default row (destinations it does not name); filled from the workspace's table until typed. */
  smsSegmentPrice: number;
  mmsPrice: number;
  arePricesTyped: boolean;
}

const defaults = SimulationOptions.parse({});
const simulatorDefaults = defaultSimulatorConfig();
const engagementDefaults = defaultSimulatedEngagement();
/** A contact does an event the flow listens for with this chance unless told otherwise (the engine's own default). */
export const DEFAULT_BEHAVIOUR = { percent: 20, withinHours: 72 } as const;

const toPercent = (share: number): number => Math.round(share * 1000) / 10;

export function defaultForm(graph: FlowGraph, settings: FlowSettings): SimulationForm {
  return {
    start: 'now',
    startLocal: '',
    contactSource: 'synthetic',
    contacts: 1000,
    days: defaults.days,
    seed: 42,
    entrySpreadHours: defaults.entrySpreadHours,
    knownMmsIncapablePercent: toPercent(defaults.knownMmsIncapableShare),
    mmsFailPercent: toPercent(simulatorDefaults.mmsIncapableShare),
    stopReplyPercent: toPercent(simulatorDefaults.stopReplyRate),
    behaviours: eventNamesInFlow(graph, settings).map((event) => ({ event, ...DEFAULT_BEHAVIOUR })),
    smsClickPercent: toPercent(engagementDefaults.clickRate.sms),
    mmsClickPercent: toPercent(engagementDefaults.clickRate.mms),
    conversionPercent: toPercent(engagementDefaults.conversionRate),
    replyPercent: toPercent(engagementDefaults.replyRate),
    orderValue: engagementDefaults.orderValue,
    smsSegmentPrice: defaults.smsSegmentPrice,
    mmsPrice: defaults.mmsPrice,
    arePricesTyped: false,
  };
}

/**
 * Events whose timing changes a contact's path: the goal, waits for an event, and branch
 * conditions on events since entry. The trigger's own event is how contacts enter, not a
 * behaviour.
 */
export function eventNamesInFlow(graph: FlowGraph, settings: FlowSettings): string[] {
  const names = new Set<string>();
  if (settings.goalEvent.trim()) names.add(settings.goalEvent.trim());
  for (const node of graph.nodes) {
    if (node.kind === 'wait' && node.config.type === 'event' && node.config.event.trim()) names.add(node.config.event.trim());
    if (node.kind === 'branch') {
      for (const condition of node.config.conditions) {
        if (condition.subject === 'event_since_entry' && condition.name.trim()) names.add(condition.name.trim());
      }
    }
  }
  return [...names].sort();
}

/** Keep what the user typed for events still in the flow; add new events with the default, drop gone ones. */
export function reconcileBehaviours(previous: readonly BehaviourField[], names: readonly string[]): BehaviourField[] {
  const byEvent = new Map(previous.map((b) => [b.event, b]));
  return names.map((event) => byEvent.get(event) ?? { event, ...DEFAULT_BEHAVIOUR });
}

export type FormProblem = { field: keyof SimulationForm | `behaviour:${string}`; message: string };

export function checkForm(form: SimulationForm): FormProblem[] {
  const problems: FormProblem[] = [];
  const within = (field: keyof SimulationForm, value: number, min: number, max: number, what: string, isInteger = false): void => {
    if (!Number.isFinite(value) || value < min || value > max || (isInteger && !Number.isInteger(value))) {
      problems.push({ field, message: `${what} must be ${isInteger ? 'a whole number ' : ''}from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}` });
    }
  };
  if (form.start === 'chosen' && !Number.isFinite(Date.parse(form.startLocal))) {
    problems.push({ field: 'startLocal', message: 'Choose the date and time the run starts' });
  }
  if (form.contactSource === 'synthetic') within('contacts', form.contacts, 1, 1_000_000, 'Contacts', true);
  within('days', form.days, 0.01, 90, 'The horizon');
  within('seed', form.seed, 0, 2 ** 32 - 1, 'The seed', true);
  within('entrySpreadHours', form.entrySpreadHours, 0, 24 * 30, 'The entry spread');
  within('knownMmsIncapablePercent', form.knownMmsIncapablePercent, 0, 100, 'The share');
  within('mmsFailPercent', form.mmsFailPercent, 0, 100, 'The share');
  within('stopReplyPercent', form.stopReplyPercent, 0, 100, 'The STOP rate');
  within('smsClickPercent', form.smsClickPercent, 0, 100, 'The SMS click rate');
  within('mmsClickPercent', form.mmsClickPercent, 0, 100, 'The MMS click rate');
  within('conversionPercent', form.conversionPercent, 0, 100, 'The conversion rate');
  within('replyPercent', form.replyPercent, 0, 100, 'The reply rate');
  within('orderValue', form.orderValue, 0, 1_000_000, 'The order value');
  within('smsSegmentPrice', form.smsSegmentPrice, 0, 10, 'The SMS price');
  within('mmsPrice', form.mmsPrice, 0, 10, 'The MMS price');
  for (const b of form.behaviours) {
    if (!Number.isFinite(b.percent) || b.percent < 0 || b.percent > 100) problems.push({ field: `behaviour:${b.event}`, message: `“${b.event}”: the chance must be from 0 to 100 %` });
    if (!Number.isFinite(b.withinHours) || b.withinHours < 0 || b.withinHours > 24 * 90) {
      problems.push({ field: `behaviour:${b.event}`, message: `“${b.event}”: the time must be from 0 to 2,160 hours` });
    }
  }
  return problems;
}

/** The run's start: now (to the minute), or the chosen local date and time. */
export function startOf(form: SimulationForm, now: Date): string {
  if (form.start === 'chosen') return new Date(form.startLocal).toISOString();
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
}

export function toOptions(form: SimulationForm, now: Date = new Date()): SimulationOptionsInput {
  return {
    startAt: startOf(form, now),
    ...(form.contactSource === 'imported' ? { useImportedContacts: true } : { contacts: form.contacts }),
    days: form.days,
    seed: form.seed,
    entrySpreadHours: form.entrySpreadHours,
    knownMmsIncapableShare: form.knownMmsIncapablePercent / 100,
    behaviours: form.behaviours.map((b) => ({ event: b.event, probability: b.percent / 100, withinHours: b.withinHours })),
    engagement: {
      clickRate: { sms: form.smsClickPercent / 100, mms: form.mmsClickPercent / 100 },
      conversionRate: form.conversionPercent / 100,
      replyRate: form.replyPercent / 100,
      orderValue: form.orderValue,
    },
    // The default row of the workspace's price table, which the app costs the run at.
    smsSegmentPrice: form.smsSegmentPrice,
    mmsPrice: form.mmsPrice,
    simulator: { mmsIncapableShare: form.mmsFailPercent / 100, stopReplyRate: form.stopReplyPercent / 100 },
    sampleTimelines: 5,
  };
}

/** A fresh seed for "try another run"; not part of the engine, so Math.random is fine here. */
export const randomSeed = (): number => Math.floor(Math.random() * 1_000_000);
