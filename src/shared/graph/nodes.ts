import { z } from 'zod';

/**
 * One definition per node kind: its config schema (same name as its type), defaults, output
 * ports and palette metadata. The canvas, validation and the engine all read this registry,
 * so adding a kind means adding one entry here (and a component keyed by the same union).
 */

const name = z.string().max(120);
const text = z.string().max(4000);

// ---------------------------------------------------------------- shared condition rows
export const ConditionOperator = z.enum([
  'equals',
  'not_equals',
  'contains',
  'greater_than',
  'less_than',
  'exists',
  'not_exists',
]);
export type ConditionOperator = z.infer<typeof ConditionOperator>;
/** Operators that compare against nothing: the value field is ignored for them. */
export const unaryOperators: ReadonlySet<ConditionOperator> = new Set(['exists', 'not_exists']);

export const PropertyFilter = z.object({
  property: name,
  operator: ConditionOperator,
  value: z.string().max(500),
});
export type PropertyFilter = z.infer<typeof PropertyFilter>;

// ---------------------------------------------------------------- trigger
export const TriggerNodeConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribed'), channel: z.enum(['sms', 'mms']) }),
  z.object({ type: z.literal('event'), event: name, filters: z.array(PropertyFilter).max(20) }),
  z.object({ type: z.literal('segment_entered'), segment: name }),
  z.object({
    type: z.literal('date_attribute'),
    attribute: name,
    /** Days relative to the date: -3 = three days before, 0 = on the day. */
    offsetDays: z.number().int().min(-365).max(365),
    at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
    /** Every year (birthdays, anniversaries) or once (a renewal date). Documents from before: yearly. */
    isYearly: z.boolean().default(true),
  }),
  z.object({ type: z.literal('keyword'), keywords: z.array(z.string().max(40)).max(20) }),
  z.object({ type: z.literal('manual') }),
]);
export type TriggerNodeConfig = z.infer<typeof TriggerNodeConfig>;
export type TriggerType = TriggerNodeConfig['type'];

// ---------------------------------------------------------------- wait
export const DurationUnit = z.enum(['minutes', 'hours', 'days']);
export type DurationUnit = z.infer<typeof DurationUnit>;
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;

export const WaitNodeConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('duration'), amount: z.number().min(0).max(100_000), unit: DurationUnit }),
  z.object({
    type: z.literal('window'),
    days: z.array(Weekday).max(7),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
    end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
  }),
  z.object({
    type: z.literal('event'),
    event: name,
    timeoutAmount: z.number().min(0).max(100_000),
    timeoutUnit: DurationUnit,
  }),
]);
export type WaitNodeConfig = z.infer<typeof WaitNodeConfig>;

// ---------------------------------------------------------------- messages
export const MmsNodeConfig = z.object({
  subject: z.string().max(80),
  body: text,
  /** A media library asset (content hash). Picking media arrives with the media pipeline. */
  mediaAssetId: z.string().max(128).nullable(),
  /** Take the fallback path when no delivery receipt arrives within this many hours. */
  fallbackAfterHours: z.number().min(0).max(168),
});
export type MmsNodeConfig = z.infer<typeof MmsNodeConfig>;

export const SmsNodeConfig = z.object({ body: text });
export type SmsNodeConfig = z.infer<typeof SmsNodeConfig>;

// ---------------------------------------------------------------- branch
/** `segment`: the contact is in the named saved segment (operator exists) or not (not_exists). */
export const ConditionSubject = z.enum(['attribute', 'event_since_entry', 'message_outcome', 'mms_capable', 'segment']);
export type ConditionSubject = z.infer<typeof ConditionSubject>;

export const BranchCondition = z.object({
  /** Stable id: it is also the name of the condition's output port. */
  id: z.string().regex(/^c[a-z0-9_-]{1,40}$/, 'condition ids look like "c1"'),
  label: name,
  subject: ConditionSubject,
  /** Attribute name, event name, or the id of the earlier message node. */
  name,
  operator: ConditionOperator,
  value: z.string().max(500),
});
export type BranchCondition = z.infer<typeof BranchCondition>;

export const BranchNodeConfig = z.object({ conditions: z.array(BranchCondition).max(20) });
export type BranchNodeConfig = z.infer<typeof BranchNodeConfig>;

// ---------------------------------------------------------------- split
export const SplitVariant = z.object({
  id: z.string().regex(/^v[a-z0-9_-]{1,40}$/, 'variant ids look like "va"'),
  label: name,
  weight: z.number().min(0).max(100),
  /** A holdout receives nothing: its contacts leave the flow and form the control group. */
  isHoldout: z.boolean(),
});
export type SplitVariant = z.infer<typeof SplitVariant>;

/**
 * Auto-winner: once the condition is met (enough contacts sent down every variant, or a date),
 * the runner sends the remaining traffic to the variant that is at least 95 % likely to beat the
 * others on `metric`, as a new published version (holdouts keep their share). Absent = off.
 */
export const SplitAutoWinnerMetric = z.enum(['conversion', 'click', 'delivery']);
export type SplitAutoWinnerMetric = z.infer<typeof SplitAutoWinnerMetric>;
export const SplitAutoWinner = z.object({
  when: z.enum(['off', 'sends', 'date']),
  /** Contacts each non-holdout variant must have been sent to (when = sends). */
  sendsPerVariant: z.number().int().min(0).max(100_000_000),
  /** ISO date-time (when = date); '' while unset. */
  date: z.string().max(40),
  metric: SplitAutoWinnerMetric,
});
export type SplitAutoWinner = z.infer<typeof SplitAutoWinner>;
export const AUTO_WINNER_MIN_SENDS = 30;
export const AUTO_WINNER_PROBABILITY = 0.95;

export const SplitNodeConfig = z.object({ variants: z.array(SplitVariant).min(1).max(10), autoWinner: SplitAutoWinner.optional() });
export type SplitNodeConfig = z.infer<typeof SplitNodeConfig>;

// ---------------------------------------------------------------- exit
export const ExitNodeConfig = z.object({ reason: z.string().max(200) });
export type ExitNodeConfig = z.infer<typeof ExitNodeConfig>;

// ---------------------------------------------------------------- registry
export interface NodeConfigByKind {
  trigger: TriggerNodeConfig;
  wait: WaitNodeConfig;
  mms: MmsNodeConfig;
  sms: SmsNodeConfig;
  branch: BranchNodeConfig;
  split: SplitNodeConfig;
  exit: ExitNodeConfig;
}
export type NodeKind = keyof NodeConfigByKind;
export const nodeKinds = ['trigger', 'wait', 'mms', 'sms', 'branch', 'split', 'exit'] as const satisfies readonly NodeKind[];
export const NodeKindSchema = z.enum(nodeKinds);

export interface PortDefinition {
  id: string;
  label: string;
  /** A required port must be wired before the flow can be published. */
  isRequired: boolean;
}

export interface NodeDefinition<K extends NodeKind> {
  kind: K;
  label: string;
  description: string;
  schema: z.ZodType<NodeConfigByKind[K]>;
  defaults: () => NodeConfigByKind[K];
  /** Output ports; some depend on the config (one per branch condition or split variant). */
  ports: (config: NodeConfigByKind[K]) => PortDefinition[];
  hasInput: boolean;
  /** Time passes at this node, so a cycle through it cannot spin. */
  isDelay: boolean;
}

const next: PortDefinition[] = [{ id: 'next', label: 'Next', isRequired: true }];

export const nodeDefinitions: { [K in NodeKind]: NodeDefinition<K> } = {
  trigger: {
    kind: 'trigger',
    label: 'Trigger',
    description: 'Where contacts enter the flow',
    schema: TriggerNodeConfig,
    defaults: () => ({ type: 'event', event: '', filters: [] }),
    ports: () => next,
    hasInput: false,
    isDelay: false,
  },
  wait: {
    kind: 'wait',
    label: 'Wait',
    description: 'Pause for a time, a local window or an event',
    schema: WaitNodeConfig,
    defaults: () => ({ type: 'duration', amount: 1, unit: 'hours' }),
    ports: (config) =>
      config.type === 'event'
        ? [
            { id: 'event', label: 'Event', isRequired: true },
            { id: 'timeout', label: 'Timeout', isRequired: true },
          ]
        : next,
    hasInput: true,
    isDelay: true,
  },
  mms: {
    kind: 'mms',
    label: 'MMS',
    description: 'Picture message with SMS fallback',
    schema: MmsNodeConfig,
    defaults: () => ({ subject: '', body: '', mediaAssetId: null, fallbackAfterHours: 24 }),
    ports: () => [
      { id: 'sent', label: 'Sent', isRequired: true },
      { id: 'fallback', label: 'Fallback', isRequired: false },
    ],
    hasInput: true,
    isDelay: false,
  },
  sms: {
    kind: 'sms',
    label: 'SMS',
    description: 'Text message',
    schema: SmsNodeConfig,
    defaults: () => ({ body: '' }),
    ports: () => next,
    hasInput: true,
    isDelay: false,
  },
  branch: {
    kind: 'branch',
    label: 'Branch',
    description: 'Route contacts by attribute, event or outcome',
    schema: BranchNodeConfig,
    defaults: () => ({
      conditions: [
        { id: 'c1', label: 'Condition 1', subject: 'attribute', name: '', operator: 'equals', value: '' },
      ],
    }),
    ports: (config) => [
      ...config.conditions.map((c) => ({ id: c.id, label: c.label || c.id, isRequired: true })),
      { id: 'else', label: 'Else', isRequired: true },
    ],
    hasInput: true,
    isDelay: false,
  },
  split: {
    kind: 'split',
    label: 'A/B split',
    description: 'Weighted variants and an optional holdout',
    schema: SplitNodeConfig,
    defaults: () => ({
      variants: [
        { id: 'va', label: 'A', weight: 50, isHoldout: false },
        { id: 'vb', label: 'B', weight: 50, isHoldout: false },
      ],
    }),
    ports: (config) =>
      config.variants.map((v) => ({ id: v.id, label: v.label || v.id, isRequired: !v.isHoldout })),
    hasInput: true,
    isDelay: false,
  },
  exit: {
    kind: 'exit',
    label: 'Exit',
    description: 'Contacts leave the flow',
    schema: ExitNodeConfig,
    defaults: () => ({ reason: '' }),
    ports: () => [],
    hasInput: true,
    isDelay: false,
  },
};

/** Widen a registry entry for code that handles any kind (the union cannot be indexed directly). */
export function definitionOf(kind: NodeKind): NodeDefinition<NodeKind> {
  return nodeDefinitions[kind] as unknown as NodeDefinition<NodeKind>;
}

/** Output ports of a node, or [] when its config does not parse (validation reports that). */
export function portsOf(kind: NodeKind, config: unknown): PortDefinition[] {
  const definition = definitionOf(kind);
  const parsed = definition.schema.safeParse(config);
  return parsed.success ? definition.ports(parsed.data) : [];
}

export function durationMs(amount: number, unit: DurationUnit): number {
  const perUnit = unit === 'minutes' ? 60_000 : unit === 'hours' ? 3_600_000 : 86_400_000;
  return amount * perUnit;
}
