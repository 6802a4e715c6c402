import { areaCodesOf } from './areaCodes';
import { parseInstant } from './dates';
import { asciiLower, consentChannelSets, isTrivialCount, numberList, textValues } from './evaluate';
import {
  isGroup,
  windowMs,
  type AttributeRule,
  type AttributeType,
  type EventCount,
  type EventWindow,
  type SegmentCatalog,
  type SegmentDefinition,
  type SegmentNode,
  type SegmentRule,
} from './segment';

/**
 * One segment definition → one parameterized SQL condition on `contacts c`. Every user value
 * travels as a bound parameter (values, lists as JSON arrays), except an attribute's JSON path:
 * that is written as an SQL literal (attributePathLiteral), so the expression is the very one
 * the attribute's expression index was built on and SQLite can read the index instead of
 * parsing every contact's JSON (see src/main/audience/attributeIndexes.ts). Event property filters call
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

/**
 * How much a rule costs per contact when SQLite checks it row by row: a column of the contact's
 * row, the number's area code, a value parsed out of the attributes JSON, a list or a lookup in
 * events. SQLite checks a row's conditions in the order written, so a group writes its cheap ones
 * first and the JSON is parsed only for contacts they let through (bench:audience: "SMS opted in,
 * lifetime value over 1000, MMS capable" 12% faster at 1M). AND and OR do not care about order.
 */
function costOf(node: SegmentNode): number {
  if (isGroup(node)) return Math.max(0, ...node.rules.map(costOf));
  switch (node.type) {
    case 'consent':
    case 'paused':
    case 'mms_capable':
      return 0;
    case 'location':
      return 1;
    case 'attribute':
      return 2;
    case 'subscription':
    case 'event':
    case 'engagement':
      return 3;
  }
}

function compileGroup(group: Extract<SegmentNode, { type: 'group' }>, context: Context): string {
  if (group.rules.length === 0) return '1';
  // Parameters are bound in text order, so the parts are ordered before they are compiled.
  const ordered = group.rules.map((node, index) => ({ node, index, cost: costOf(node) })).sort((a, b) => a.cost - b.cost || a.index - b.index);
  const parts = ordered.map(({ node }) => (isGroup(node) ? compileGroup(node, context) : compileRule(node, context)));
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
      // The contact's row carries the ledger's latest opt-in/out for the channel (kept by triggers,
      // see the contacts schema): when that record is not after `now` it is the answer; only a
      // contact whose latest record is later than `now` is looked up in the ledger itself.
      const prefix = rule.channel === 'sms' ? 'c.sms_consent' : 'c.mms_consent';
      const channels = consentChannelSets[rule.channel].map((c) => `'${c}'`).join(', ');
      const at = bind(now);
      const asOfNow = `(SELECT ce.kind FROM consent_events ce WHERE ce.contact_id = c.id AND ce.kind IN ('opt_in', 'opt_out') AND ce.channel IN (${channels})
        AND ce.occurred_at <= ${bind(now)} ORDER BY ce.occurred_at DESC, ce.id DESC LIMIT 1)`;
      const state = `(CASE WHEN ${prefix}_at IS NULL THEN 'none' WHEN ${prefix}_at <= ${at} THEN ${prefix} ELSE coalesce(${asOfNow}, 'none') END)`;
      const wanted = rule.state === 'opted_in' ? 'opt_in' : rule.state === 'opted_out' ? 'opt_out' : 'none';
      return `${state} = ${bind(wanted)}`;
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
      return `c.mms_capable IN ${valueList(rule.values, bind)}`;
    case 'location': {
      const negate = rule.operator === 'not_in' ? 'NOT ' : '';
      if (rule.field === 'time_zone') return `coalesce(c.time_zone, '') ${negate}IN ${valueList(rule.values, bind)}`;
      const codes = rule.field === 'area_code' ? rule.values : rule.values.flatMap((state) => areaCodesOf(state));
      const areaCode = `(CASE WHEN c.phone GLOB '+1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' THEN substr(c.phone, 3, 3) ELSE '' END)`;
      return `${areaCode} ${negate}IN ${valueList(codes, bind)}`;
    }
  }
}

/** Up to this many values are bound one by one; a longer list (the area codes of many states) travels as one JSON array. */
const MAX_BOUND_LIST = 100;

/**
 * The right-hand side of an IN: `(?, ?, ?)`, which SQLite checks per row more cheaply than a
 * subquery (bench:audience: 30–45 ms less per million contacts), or for a long list
 * `(SELECT value FROM json_each(?))`, which keeps a statement far from SQLite's limit on
 * parameters however many rules a segment has.
 */
function valueList(values: readonly (string | number)[], bind: Context['bind']): string {
  if (values.length > 0 && values.length <= MAX_BOUND_LIST) return `(${values.map((value) => bind(value)).join(', ')})`;
  return `(SELECT value FROM json_each(${bind(JSON.stringify(values))}))`;
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

/**
 * An attribute's JSON path as an SQL string literal, or null when the name holds a control
 * character (SQLite reads SQL text up to a NUL): such a path is bound instead. AttributeName
 * already refuses " and \, and a ' is doubled.
 */
export function attributePathLiteral(name: string): string | null {
  if (/[\u0000-\u001f]/.test(name)) return null;
  return `'$."${name.replaceAll("'", "''")}"'`;
}

/** The attribute types a contact's value is compared by through one expression (a list's elements are read with json_each). */
export type IndexableAttributeType = Exclude<AttributeType, 'list'>;

/**
 * The value of an attribute as rules compare it, per type: text trimmed and lower-cased, a
 * number only when the JSON holds a number, a date as its YYYY-MM-DD day. `path` gives the
 * path's SQL each time it is called (a literal, or a new placeholder in text order).
 */
export function attributeValueSql(type: IndexableAttributeType, column: string, path: () => string): string {
  const raw = (): string => `json_extract(${column}, ${path()})`;
  switch (type) {
    case 'text':
      return `lower(trim(CAST(${raw()} AS TEXT)))`;
    case 'number':
      return `(CASE WHEN json_type(${column}, ${path()}) IN ('integer', 'real') THEN ${raw()} END)`;
    case 'date':
      return `(CASE WHEN ${raw()} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN substr(${raw()}, 1, 10) END)`;
  }
}

function compileAttribute(rule: AttributeRule, { catalog, bind }: Context): string {
  const type = catalog.attributes[rule.attribute] ?? 'text';
  const literal = attributePathLiteral(rule.attribute);
  const path = (): string => literal ?? bind(`$."${rule.attribute}"`);
  // Equality and lists go through the attribute's index, built on attributes_json. Any other
  // comparison usually holds for a large share of contacts, and SQLite, which cannot tell that
  // from an expression index, would read the index and then fetch each matching row out of
  // order: "lifetime value over 1000" at 1M contacts took 2 s that way against 0.3 s reading the
  // table. Those read every contact, from the JSONB copy, which SQLite reads without parsing
  // (a third less time for the JSON at 1M); the unary + keeps them off the index.
  const usesIndex = rule.operator === 'equals' || rule.operator === 'in';
  const raw = (): string => `json_extract(c.attributes_jsonb, ${path()})`;
  const list = (values: readonly (string | number)[]): string => valueList(values, bind);
  const value = (valueType: IndexableAttributeType): string =>
    usesIndex ? attributeValueSql(valueType, 'c.attributes_json', path) : `+${attributeValueSql(valueType, 'c.attributes_jsonb', path)}`;
  switch (type) {
    case 'text': {
      const text = (): string => value('text');
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
      const number = (): string => value('number');
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
      const day = (): string => value('date');
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
      const elements = (): string => `json_each(c.attributes_jsonb, ${path()}) j`;
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
