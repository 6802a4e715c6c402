import { areaCodesOf } from './areaCodes';
import { parseInstant } from './dates';
import { asciiLower, consentChannelSets, isTrivialCount, numberList, textValues } from './evaluate';
import {
  isGroup,
  windowMs,
  type AttributeRule,
  type EventCount,
  type EventWindow,
  type SegmentCatalog,
  type SegmentDefinition,
  type SegmentNode,
  type SegmentRule,
} from './segment';

/**
 * One segment definition → one parameterized SQL condition on `contacts c`. Every user value
 * travels as a bound parameter (attribute names as JSON paths, values, lists as JSON arrays);
 * the SQL text is built only from the rule's structure. Event property filters call
 * `postcard_properties_match(properties_json, filters_json)`, a SQLite function the Node side
 * registers with the same comparison the engine uses, so they mean what they mean in a branch.
 *
 * Two shapes, one meaning: `population` reads each event rule once for everyone (an IN list
 * built from the events index: live counts, enrolling a segment); `contacts` asks per contact
 * (correlated lookups on the contact's own events: incremental evaluation of a few contacts).
 */
export type CompileMode = 'population' | 'contacts';

export interface CompiledSegment {
  /** A condition on `contacts c`, e.g. for `SELECT count(*) FROM contacts c WHERE <where>`. */
  where: string;
  params: Array<string | number>;
}

export const PROPERTIES_MATCH_FUNCTION = 'postcard_properties_match';

export function compileSegment(definition: SegmentDefinition, catalog: SegmentCatalog, now: number, mode: CompileMode): CompiledSegment {
  const params: Array<string | number> = [];
  const bind = (value: string | number): string => {
    params.push(value);
    return '?';
  };
  const where = compileGroup({ type: 'group', match: definition.match, rules: definition.rules }, { catalog, now, mode, bind });
  return { where, params };
}

interface Context {
  catalog: SegmentCatalog;
  now: number;
  mode: CompileMode;
  bind: (value: string | number) => string;
}

function compileGroup(group: Extract<SegmentNode, { type: 'group' }>, context: Context): string {
  if (group.rules.length === 0) return '1';
  const parts = group.rules.map((node) => (isGroup(node) ? compileGroup(node, context) : compileRule(node, context)));
  return `(${parts.join(group.match === 'all' ? ' AND ' : ' OR ')})`;
}

function compileRule(rule: SegmentRule, context: Context): string {
  const { bind, now } = context;
  switch (rule.type) {
    case 'attribute':
      return compileAttribute(rule, context);
    case 'event': {
      // Placeholders are numbered in the order they are bound: build the text left to right.
      const filters = (): string =>
        rule.properties.length ? ` AND ${PROPERTIES_MATCH_FUNCTION}(e.properties_json, ${bind(JSON.stringify(rule.properties))})` : '';
      const source = (contactBound: string): string =>
        `FROM events e WHERE ${contactBound}e.name = ${bind(rule.event)}${windowSql('e.occurred_at', rule.window, context)}${filters()}`;
      return countSql(rule.count, source, 'e', context);
    }
    case 'engagement': {
      if (rule.activity === 'replied') {
        const source = (contactBound: string): string => `FROM events e WHERE ${contactBound}e.name = ${bind('message_received')}${windowSql('e.occurred_at', rule.window, context)}`;
        return countSql(rule.count, source, 'e', context);
      }
      if (rule.activity === 'clicked') {
        // is_bot = 0 lets SQLite use the partial index clicks_contact_time_idx (contact, time).
        const source = (contactBound: string): string => `FROM clicks k WHERE ${contactBound}k.is_bot = 0${windowSql('k.occurred_at', rule.window, context)}`;
        return countSql(rule.count, source, 'k', context);
      }
      const source = (contactBound: string): string =>
        `FROM messages m WHERE ${contactBound}m.purpose = 'marketing' AND m.accepted_at IS NOT NULL${windowSql('m.accepted_at', rule.window, context)}`;
      return countSql(rule.count, source, 'm', context);
    }
    case 'consent': {
      const channels = consentChannelSets[rule.channel].map((c) => `'${c}'`).join(', ');
      const latest = `(SELECT ce.kind FROM consent_events ce WHERE ce.contact_id = c.id AND ce.kind IN ('opt_in', 'opt_out') AND ce.channel IN (${channels})
        AND ce.occurred_at <= ${bind(now)} ORDER BY ce.occurred_at DESC, ce.id DESC LIMIT 1)`;
      const wanted = rule.state === 'opted_in' ? 'opt_in' : rule.state === 'opted_out' ? 'opt_out' : 'none';
      return `coalesce(${latest}, 'none') = ${bind(wanted)}`;
    }
    case 'subscription': {
      const isDefault = context.catalog.categories[rule.category]?.isDefaultSubscribed ?? false;
      const latest = `(SELECT ce.kind FROM consent_events ce WHERE ce.contact_id = c.id AND ce.kind IN ('subscribe', 'unsubscribe') AND ce.category = ${bind(rule.category)}
        AND ce.occurred_at <= ${bind(now)} ORDER BY ce.occurred_at DESC, ce.id DESC LIMIT 1)`;
      return `coalesce(${latest}, ${bind(isDefault ? 'subscribe' : 'unsubscribe')}) = ${bind(rule.state === 'subscribed' ? 'subscribe' : 'unsubscribe')}`;
    }
    case 'paused':
      return rule.isPaused ? `coalesce(c.paused_until, 0) > ${bind(now)}` : `coalesce(c.paused_until, 0) <= ${bind(now)}`;
    case 'mms_capable':
      return `c.mms_capable IN (SELECT value FROM json_each(${bind(JSON.stringify(rule.values))}))`;
    case 'location': {
      const negate = rule.operator === 'not_in' ? 'NOT ' : '';
      if (rule.field === 'time_zone') return `coalesce(c.time_zone, '') ${negate}IN (SELECT value FROM json_each(${bind(JSON.stringify(rule.values))}))`;
      const codes = rule.field === 'area_code' ? rule.values : rule.values.flatMap((state) => areaCodesOf(state));
      const areaCode = `(CASE WHEN c.phone GLOB '+1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' THEN substr(c.phone, 3, 3) ELSE '' END)`;
      return `${areaCode} ${negate}IN (SELECT value FROM json_each(${bind(JSON.stringify(codes))}))`;
    }
  }
}

function windowSql(column: string, window: EventWindow, { bind, now }: Context): string {
  const upTo = (): string => ` AND ${column} <= ${bind(now)}`;
  switch (window.type) {
    case 'ever':
      return upTo();
    case 'last':
      return ` AND ${column} > ${bind(now - windowMs(window))}${upTo()}`;
    case 'since':
      // check.ts refuses a date that does not parse before anything is compiled.
      return ` AND ${column} >= ${bind(parseInstant(window.date) ?? Number.MAX_SAFE_INTEGER)}${upTo()}`;
  }
}

/**
 * A count condition over rows of `source`. Counts that can be zero are written as "not among
 * those with more", so contacts without any row match them without being listed.
 */
function countSql(count: EventCount, source: (contactBound: string) => string, alias: string, context: Context): string {
  if (isTrivialCount(count)) return '1';
  const { bind, mode } = context;
  const { operator, value } = count;
  if (mode === 'contacts') {
    if (operator === 'at_least' && value === 1) return `EXISTS (SELECT 1 ${source(`${alias}.contact_id = c.id AND `)})`;
    if (operator !== 'at_least' && value === 0) return `NOT EXISTS (SELECT 1 ${source(`${alias}.contact_id = c.id AND `)})`;
    const sign = operator === 'at_least' ? '>=' : operator === 'at_most' ? '<=' : '=';
    return `(SELECT count(*) ${source(`${alias}.contact_id = c.id AND `)}) ${sign} ${bind(value)}`;
  }
  const having = (sign: string, n: number): string => (n <= 1 && sign === '>=' ? '' : ` GROUP BY ${alias}.contact_id HAVING count(*) ${sign} ${bind(n)}`);
  const ids = (sign: string, n: number): string => `(SELECT ${alias}.contact_id ${source('')}${having(sign, n)})`;
  switch (operator) {
    case 'at_least':
      return `c.id IN ${ids('>=', value)}`;
    case 'at_most':
      return `c.id NOT IN ${ids('>=', value + 1)}`;
    case 'exactly':
      return value === 0 ? `c.id NOT IN ${ids('>=', 1)}` : `c.id IN ${ids('=', value)}`;
  }
}

function compileAttribute(rule: AttributeRule, { catalog, bind }: Context): string {
  const type = catalog.attributes[rule.attribute] ?? 'text';
  const path = `$."${rule.attribute}"`;
  const raw = (): string => `json_extract(c.attributes_json, ${bind(path)})`;
  const list = (values: readonly (string | number)[]): string => `(SELECT value FROM json_each(${bind(JSON.stringify(values))}))`;
  switch (type) {
    case 'text': {
      const text = (): string => `lower(trim(CAST(${raw()} AS TEXT)))`;
      switch (rule.operator) {
        case 'equals':
          return `${text()} = ${bind(textValues(rule.values)[0] ?? '')}`;
        case 'not_equals':
          return `coalesce(${text()}, '') != ${bind(textValues(rule.values)[0] ?? '')}`;
        case 'contains':
          return `instr(lower(CAST(${raw()} AS TEXT)), ${bind(asciiLower(rule.values[0] ?? ''))}) > 0`;
        case 'in':
          return `${text()} IN ${list(textValues(rule.values))}`;
        case 'not_in':
          return `coalesce(${text()}, '') NOT IN ${list(textValues(rule.values))}`;
        case 'is_set':
          return `coalesce(CAST(${raw()} AS TEXT), '') != ''`;
        case 'is_not_set':
          return `coalesce(CAST(${raw()} AS TEXT), '') = ''`;
        default:
          return '0';
      }
    }
    case 'number': {
      const number = (): string => `(CASE WHEN json_type(c.attributes_json, ${bind(path)}) IN ('integer', 'real') THEN ${raw()} END)`;
      const values = numberList(rule.values);
      switch (rule.operator) {
        case 'equals':
          return `${number()} = ${bind(values[0] ?? 0)}`;
        case 'not_equals':
          return `coalesce(${number()} != ${bind(values[0] ?? 0)}, 1)`;
        case 'in':
          return `${number()} IN ${list(values)}`;
        case 'not_in':
          return `coalesce(${number()} NOT IN ${list(values)}, 1)`;
        case 'between':
          return `${number()} BETWEEN ${bind(Math.min(...values))} AND ${bind(Math.max(...values))}`;
        case 'greater_than':
          return `${number()} > ${bind(values[0] ?? 0)}`;
        case 'less_than':
          return `${number()} < ${bind(values[0] ?? 0)}`;
        case 'is_set':
          return `${number()} IS NOT NULL`;
        case 'is_not_set':
          return `${number()} IS NULL`;
        default:
          return '0';
      }
    }
    case 'date': {
      const day = (): string =>
        `(CASE WHEN ${raw()} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN substr(${raw()}, 1, 10) END)`;
      const values = rule.values.map((v) => v.trim().slice(0, 10)).sort();
      switch (rule.operator) {
        case 'equals':
          return `${day()} = ${bind(values[0] ?? '')}`;
        case 'between':
          return `${day()} BETWEEN ${bind(values[0] ?? '')} AND ${bind(values[1] ?? '')}`;
        case 'greater_than':
          return `${day()} > ${bind(values[0] ?? '')}`;
        case 'less_than':
          return `${day()} < ${bind(values[0] ?? '')}`;
        case 'is_set':
          return `${day()} IS NOT NULL`;
        case 'is_not_set':
          return `${day()} IS NULL`;
        default:
          return '0';
      }
    }
    case 'list': {
      const elements = (): string => `json_each(c.attributes_json, ${bind(path)}) j`;
      const element = `lower(trim(CAST(j.value AS TEXT)))`;
      switch (rule.operator) {
        case 'contains':
        case 'in':
          return `EXISTS (SELECT 1 FROM ${elements()} WHERE ${element} IN ${list(textValues(rule.values))})`;
        case 'not_in':
          return `NOT EXISTS (SELECT 1 FROM ${elements()} WHERE ${element} IN ${list(textValues(rule.values))})`;
        case 'is_set':
          return `EXISTS (SELECT 1 FROM ${elements()} WHERE coalesce(CAST(j.value AS TEXT), '') != '')`;
        case 'is_not_set':
          return `NOT EXISTS (SELECT 1 FROM ${elements()} WHERE coalesce(CAST(j.value AS TEXT), '') != '')`;
        default:
          return '0';
      }
    }
  }
}
