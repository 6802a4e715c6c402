import { z } from 'zod';
import { PropertyFilter } from '../graph/nodes';

/**
 * Segment definitions: the rules a marketer builds ("added to cart in the last 7 days and bought
 * nothing", "VIPs in Florida"). One definition is compiled to one SQL query for counts and
 * enrollment (compile.ts) and evaluated for one contact by a pure function (evaluate.ts); the
 * two agree by test. Whether a rule fits the contact data (the attribute exists, the date is a
 * date) is checked against a catalog (check.ts), since the schema alone cannot know it.
 */

/** Attribute names as they appear in contacts' attributes (JSON keys): no quote, so a JSON path can name them. */
export const AttributeName = z
  .string()
  .min(1, 'name the attribute')
  .max(80)
  .regex(/^[^"\\]+$/, 'an attribute name cannot contain " or \\');

export const attributeTypes = ['text', 'number', 'date', 'list'] as const;
export const AttributeType = z.enum(attributeTypes);
export type AttributeType = z.infer<typeof AttributeType>;

export const AttributeOperator = z.enum([
  'equals',
  'not_equals',
  'contains',
  'in',
  'not_in',
  'between',
  'greater_than',
  'less_than',
  'is_set',
  'is_not_set',
]);
export type AttributeOperator = z.infer<typeof AttributeOperator>;

/** Which operators each attribute type takes (dates: greater_than = after, less_than = before). */
export const operatorsByType: Readonly<Record<AttributeType, readonly AttributeOperator[]>> = {
  text: ['equals', 'not_equals', 'contains', 'in', 'not_in', 'is_set', 'is_not_set'],
  number: ['equals', 'not_equals', 'in', 'not_in', 'between', 'greater_than', 'less_than', 'is_set', 'is_not_set'],
  date: ['equals', 'between', 'greater_than', 'less_than', 'is_set', 'is_not_set'],
  list: ['contains', 'in', 'not_in', 'is_set', 'is_not_set'],
};

/** How many values each operator reads: equals one, between two, in one or more, is_set none. */
export function valueCountOf(operator: AttributeOperator): { min: number; max: number } {
  switch (operator) {
    case 'is_set':
    case 'is_not_set':
      return { min: 0, max: 0 };
    case 'between':
      return { min: 2, max: 2 };
    case 'in':
    case 'not_in':
      return { min: 1, max: 200 };
    default:
      return { min: 1, max: 1 };
  }
}

const Value = z.string().max(200);

export const AttributeRule = z.object({
  type: z.literal('attribute'),
  attribute: AttributeName,
  operator: AttributeOperator,
  values: z.array(Value).max(200),
});
export type AttributeRule = z.infer<typeof AttributeRule>;

export const WindowUnit = z.enum(['hours', 'days']);
export type WindowUnit = z.infer<typeof WindowUnit>;

/** When counted events happened: ever, in the last N hours/days (rolling), or since a date. */
export const EventWindow = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ever') }),
  z.object({ type: z.literal('last'), amount: z.number().int().min(1).max(3650), unit: WindowUnit }),
  z.object({ type: z.literal('since'), date: z.string().max(40) }),
]);
export type EventWindow = z.infer<typeof EventWindow>;

export const CountOperator = z.enum(['at_least', 'at_most', 'exactly']);
export type CountOperator = z.infer<typeof CountOperator>;

/** "at least once" = at_least 1; "no order_placed" = at_most 0. */
export const EventCount = z.object({ operator: CountOperator, value: z.number().int().min(0).max(100_000) });
export type EventCount = z.infer<typeof EventCount>;

export const EventRule = z.object({
  type: z.literal('event'),
  event: z.string().min(1, 'name the event').max(120),
  count: EventCount,
  window: EventWindow,
  properties: z.array(PropertyFilter).max(10),
});
export type EventRule = z.infer<typeof EventRule>;

/**
 * Messages the contact received from Postcard (accepted by the provider), replied with, or whose
 * tracked links they clicked (people only: link-preview fetchers are not clicks).
 */
export const engagementActivities = ['received', 'replied', 'clicked'] as const;
export const EngagementRule = z.object({
  type: z.literal('engagement'),
  activity: z.enum(engagementActivities),
  count: EventCount,
  window: EventWindow,
});
export type EngagementRule = z.infer<typeof EngagementRule>;

export const consentStates = ['opted_in', 'opted_out', 'none'] as const;
export const ConsentRule = z.object({
  type: z.literal('consent'),
  channel: z.enum(['sms', 'mms']),
  state: z.enum(consentStates),
});
export type ConsentRule = z.infer<typeof ConsentRule>;

export const CategoryId = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'category ids are lower-case letters, digits, - and _');
export type CategoryId = z.infer<typeof CategoryId>;

export const SubscriptionRule = z.object({
  type: z.literal('subscription'),
  category: CategoryId,
  state: z.enum(['subscribed', 'unsubscribed']),
});
export type SubscriptionRule = z.infer<typeof SubscriptionRule>;

/** Paused = the contact asked for a break ("pause until") that has not ended yet. */
export const PausedRule = z.object({ type: z.literal('paused'), isPaused: z.boolean() });
export type PausedRule = z.infer<typeof PausedRule>;

export const MmsRule = z.object({
  type: z.literal('mms_capable'),
  values: z.array(z.enum(['yes', 'no', 'unknown'])).min(1).max(3),
});
export type MmsRule = z.infer<typeof MmsRule>;

/** Where the contact is: their time zone, their number's area code, or the US state it presumes. */
export const LocationRule = z.object({
  type: z.literal('location'),
  field: z.enum(['time_zone', 'area_code', 'state']),
  operator: z.enum(['in', 'not_in']),
  values: z.array(z.string().max(64)).min(1).max(200),
});
export type LocationRule = z.infer<typeof LocationRule>;

export const SegmentRule = z.discriminatedUnion('type', [
  AttributeRule,
  EventRule,
  EngagementRule,
  ConsentRule,
  SubscriptionRule,
  PausedRule,
  MmsRule,
  LocationRule,
]);
export type SegmentRule = z.infer<typeof SegmentRule>;
export type SegmentRuleType = SegmentRule['type'];

export const Match = z.enum(['all', 'any']);
export type Match = z.infer<typeof Match>;

/** A group of rules: all of them (AND) or any of them (OR). Groups nest two levels below the top. */
export interface SegmentGroup {
  type: 'group';
  match: Match;
  rules: Array<SegmentRule | SegmentGroup>;
}
export const SegmentGroup: z.ZodType<SegmentGroup> = z.lazy(() =>
  z.object({
    type: z.literal('group'),
    match: Match,
    rules: z.array(z.union([SegmentRule, SegmentGroup])).max(50),
  }),
);
export const MAX_GROUP_DEPTH = 3;

/** The saved form: the top-level group. An empty group matches every contact. */
export const SegmentDefinition = z.object({
  match: Match,
  rules: z.array(z.union([SegmentRule, SegmentGroup])).max(50),
});
export type SegmentDefinition = z.infer<typeof SegmentDefinition>;

export type SegmentNode = SegmentRule | SegmentGroup;

export const isGroup = (node: SegmentNode): node is SegmentGroup => node.type === 'group';

/**
 * What the rules are checked against: declared contact attributes with their types, and the
 * subscription categories with whether a contact without a choice counts as subscribed.
 */
export interface SegmentCatalog {
  attributes: Readonly<Record<string, AttributeType>>;
  categories: Readonly<Record<string, { isDefaultSubscribed: boolean }>>;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function windowMs(window: Extract<EventWindow, { type: 'last' }>): number {
  return window.amount * (window.unit === 'days' ? DAY_MS : HOUR_MS);
}
