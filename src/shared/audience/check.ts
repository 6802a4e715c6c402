import { knownStates } from './areaCodes';
import {
  MAX_GROUP_DEPTH,
  isGroup,
  operatorsByType,
  valueCountOf,
  type EventWindow,
  type SegmentCatalog,
  type SegmentDefinition,
  type SegmentNode,
  type SegmentRule,
} from './segment';
import { isValidIanaZone, parseDay, parseInstant } from './dates';

/**
 * Whether a segment's rules fit the contact data: the attribute exists, the operator suits its
 * type, a date is a date, a number a number, the category and state are known. Each problem
 * names the rule by its place ("rule 2 of group 1") and says what is wrong.
 */
export type SegmentProblemCode =
  | 'UNKNOWN_ATTRIBUTE'
  | 'OPERATOR_NOT_FOR_TYPE'
  | 'WRONG_VALUE_COUNT'
  | 'BAD_DATE'
  | 'BAD_NUMBER'
  | 'UNKNOWN_CATEGORY'
  | 'UNKNOWN_STATE'
  | 'BAD_AREA_CODE'
  | 'BAD_TIME_ZONE'
  | 'TOO_DEEP';

export interface SegmentProblem {
  code: SegmentProblemCode;
  /** Indexes from the top group down, e.g. [1, 0] = the first rule of the second entry. */
  path: number[];
  message: string;
}

export function describePath(path: readonly number[]): string {
  if (path.length === 0) return 'the segment';
  const groups = path.slice(0, -1).map((index) => ` of group ${index + 1}`).reverse();
  return `rule ${(path[path.length - 1] ?? 0) + 1}${groups.join('')}`;
}

export function checkSegment(definition: SegmentDefinition, catalog: SegmentCatalog): SegmentProblem[] {
  const problems: SegmentProblem[] = [];
  const visit = (nodes: readonly SegmentNode[], parent: number[], depth: number): void => {
    nodes.forEach((node, index) => {
      const path = [...parent, index];
      if (isGroup(node)) {
        if (depth >= MAX_GROUP_DEPTH) {
          problems.push({ code: 'TOO_DEEP', path, message: `${describePath(path)}: groups nest at most ${MAX_GROUP_DEPTH} levels deep` });
          return;
        }
        visit(node.rules, path, depth + 1);
      } else {
        for (const problem of checkRule(node, catalog)) problems.push({ ...problem, path, message: `${describePath(path)}: ${problem.message}` });
      }
    });
  };
  visit(definition.rules, [], 1);
  return problems;
}

type RuleProblem = Omit<SegmentProblem, 'path'>;

function checkRule(rule: SegmentRule, catalog: SegmentCatalog): RuleProblem[] {
  switch (rule.type) {
    case 'attribute': {
      const type = catalog.attributes[rule.attribute];
      if (!type) {
        const known = Object.keys(catalog.attributes).sort();
        return [
          {
            code: 'UNKNOWN_ATTRIBUTE',
            message: `no contact has an attribute "${rule.attribute}"${known.length ? ` (known: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})` : ' (no attributes are declared yet)'}`,
          },
        ];
      }
      if (!operatorsByType[type].includes(rule.operator)) {
        return [{ code: 'OPERATOR_NOT_FOR_TYPE', message: `"${rule.operator}" does not apply to the ${type} attribute "${rule.attribute}" (use ${operatorsByType[type].join(', ')})` }];
      }
      const count = valueCountOf(rule.operator);
      if (rule.values.length < count.min || rule.values.length > count.max) {
        const wanted = count.min === count.max ? `${count.min}` : `${count.min} to ${count.max}`;
        return [{ code: 'WRONG_VALUE_COUNT', message: `"${rule.operator}" takes ${wanted} value${count.max === 1 ? '' : 's'}, got ${rule.values.length}` }];
      }
      if (type === 'date') {
        const bad = rule.values.find((value) => parseDay(value) === null);
        if (bad !== undefined) return [{ code: 'BAD_DATE', message: `"${bad.slice(0, 40)}" is not a date (expected YYYY-MM-DD, e.g. 2026-02-28)` }];
      }
      if (type === 'number') {
        const bad = rule.values.find((value) => value.trim() === '' || !Number.isFinite(Number(value)));
        if (bad !== undefined) return [{ code: 'BAD_NUMBER', message: `"${bad.slice(0, 40)}" is not a number` }];
      }
      return [];
    }
    case 'event':
    case 'engagement':
      return checkWindow(rule.window);
    case 'subscription':
      return catalog.categories[rule.category]
        ? []
        : [{ code: 'UNKNOWN_CATEGORY', message: `there is no subscription category "${rule.category}" (known: ${Object.keys(catalog.categories).join(', ') || 'none'})` }];
    case 'location':
      if (rule.field === 'state') {
        const bad = rule.values.find((value) => !knownStates.includes(value.toUpperCase()));
        if (bad !== undefined) return [{ code: 'UNKNOWN_STATE', message: `Postcard cannot place numbers in "${bad.slice(0, 20)}" by area code (it knows ${knownStates.join(', ')})` }];
      }
      if (rule.field === 'area_code') {
        const bad = rule.values.find((value) => !/^[2-9]\d\d$/.test(value));
        if (bad !== undefined) return [{ code: 'BAD_AREA_CODE', message: `"${bad.slice(0, 20)}" is not a North American area code (three digits, e.g. 305)` }];
      }
      if (rule.field === 'time_zone') {
        const bad = rule.values.find((value) => !isValidIanaZone(value));
        if (bad !== undefined) return [{ code: 'BAD_TIME_ZONE', message: `"${bad.slice(0, 64)}" is not an IANA time zone (e.g. America/New_York)` }];
      }
      return [];
    default:
      return [];
  }
}

function checkWindow(window: EventWindow): RuleProblem[] {
  if (window.type === 'since' && parseInstant(window.date) === null) {
    return [{ code: 'BAD_DATE', message: `"${window.date.slice(0, 40)}" is not a date (expected YYYY-MM-DD or an ISO date and time)` }];
  }
  return [];
}
