import { describePath, type SegmentProblem } from '../../../shared/audience/check';
import {
  MAX_GROUP_DEPTH,
  SegmentDefinition,
  isGroup,
  operatorsByType,
  valueCountOf,
  type AttributeOperator,
  type AttributeRule,
  type AttributeType,
  type Match,
  type SegmentGroup,
  type SegmentNode,
  type SegmentRule,
  type SegmentRuleType,
} from '../../../shared/audience/segment';

/**
 * Editing a segment definition as a tree addressed by paths (indexes from the top group down,
 * the same paths the preview's problems name). Every edit is a pure function of the definition,
 * so the builder's behaviour is tested without a browser.
 */

export type Path = readonly number[];

export type RuleEdit =
  | { type: 'addRule'; group: Path; rule: SegmentRule }
  | { type: 'addGroup'; group: Path; match: Match }
  | { type: 'remove'; path: Path }
  | { type: 'setMatch'; group: Path; match: Match }
  | { type: 'replaceRule'; path: Path; rule: SegmentRule };

/** Mutable group shape shared by the top-level definition and nested groups. */
type GroupLike = { match: Match; rules: SegmentNode[] };

export function editDefinition(definition: SegmentDefinition, edit: RuleEdit): SegmentDefinition {
  switch (edit.type) {
    case 'addRule':
      return updateGroup(definition, edit.group, (g) => ({ ...g, rules: [...g.rules, edit.rule] }));
    case 'addGroup':
      if (edit.group.length + 1 >= MAX_GROUP_DEPTH) return definition;
      return updateGroup(definition, edit.group, (g) => ({ ...g, rules: [...g.rules, { type: 'group', match: edit.match, rules: [] }] }));
    case 'setMatch':
      return updateGroup(definition, edit.group, (g) => ({ ...g, match: edit.match }));
    case 'remove': {
      const index = edit.path[edit.path.length - 1];
      if (index === undefined) return definition;
      return updateGroup(definition, edit.path.slice(0, -1), (g) => ({ ...g, rules: g.rules.filter((_, i) => i !== index) }));
    }
    case 'replaceRule': {
      const index = edit.path[edit.path.length - 1];
      if (index === undefined) return definition;
      return updateGroup(definition, edit.path.slice(0, -1), (g) => ({
        ...g,
        rules: g.rules.map((node, i) => (i === index && !isGroup(node) ? edit.rule : node)),
      }));
    }
  }
}

function updateGroup(definition: SegmentDefinition, path: Path, update: (group: GroupLike) => GroupLike): SegmentDefinition {
  const visit = (group: GroupLike, rest: Path): GroupLike => {
    if (rest.length === 0) return update(group);
    const [index, ...tail] = rest;
    return {
      ...group,
      rules: group.rules.map((node, i) => (i === index && isGroup(node) ? ({ ...node, ...visit(node, tail) } as SegmentGroup) : node)),
    };
  };
  const next = visit({ match: definition.match, rules: definition.rules }, path);
  return { match: next.match, rules: next.rules };
}

/** Whether another group fits inside the group at this path (groups nest MAX_GROUP_DEPTH levels, the top counting as one). */
export const canNestGroupIn = (group: Path): boolean => group.length + 1 < MAX_GROUP_DEPTH;

/** A new rule of a kind, filled in as far as the catalog allows (its first attribute, its first category). */
export function defaultRule(type: SegmentRuleType, catalog: { attributes: ReadonlyArray<{ name: string; type: AttributeType }>; categories: ReadonlyArray<{ id: string }> }): SegmentRule {
  switch (type) {
    case 'attribute': {
      const first = catalog.attributes[0];
      return { type, attribute: first?.name ?? '', operator: 'equals', values: [''] };
    }
    case 'event':
      return { type, event: '', count: { operator: 'at_least', value: 1 }, window: { type: 'last', amount: 7, unit: 'days' }, properties: [] };
    case 'engagement':
      return { type, activity: 'received', count: { operator: 'at_least', value: 1 }, window: { type: 'last', amount: 30, unit: 'days' } };
    case 'consent':
      return { type, channel: 'sms', state: 'opted_in' };
    case 'subscription':
      return { type, category: catalog.categories[0]?.id ?? '', state: 'subscribed' };
    case 'paused':
      return { type, isPaused: false };
    case 'mms_capable':
      return { type, values: ['yes'] };
    case 'location':
      return { type, field: 'state', operator: 'in', values: [] };
  }
}

/** Values resized to what the operator reads: none for "is set", two for "between", at least one otherwise. */
export function valuesFor(operator: AttributeOperator, values: readonly string[]): string[] {
  const { min, max } = valueCountOf(operator);
  const kept = values.slice(0, max);
  while (kept.length < min) kept.push('');
  return kept;
}

/** The attribute changed: keep the operator when the new type takes it, else use the type's first. */
export function withAttribute(rule: AttributeRule, attribute: string, type: AttributeType | undefined): AttributeRule {
  const allowed = type ? operatorsByType[type] : [];
  const operator = allowed.includes(rule.operator) ? rule.operator : (allowed[0] ?? rule.operator);
  return { ...rule, attribute, operator, values: valuesFor(operator, operator === rule.operator ? rule.values : []) };
}

export function withOperator(rule: AttributeRule, operator: AttributeOperator): AttributeRule {
  return { ...rule, operator, values: valuesFor(operator, rule.values) };
}

/** "a, b ,, c" → ["a", "b", "c"]: what a list field holds. */
export const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');

export interface RuleProblem {
  path: number[];
  message: string;
}

/**
 * What keeps a draft from being counted before it reaches the server: a rule not filled in yet.
 * Said per rule, in words; the server's own check (unknown attribute, bad date…) follows once
 * these are fixed.
 */
export function incompleteRules(definition: SegmentDefinition): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const visit = (nodes: readonly SegmentNode[], parent: number[]): void => {
    nodes.forEach((node, index) => {
      const path = [...parent, index];
      if (isGroup(node)) {
        if (node.rules.length === 0) problems.push({ path, message: 'add a rule to this group, or remove it' });
        visit(node.rules, path);
        return;
      }
      const message = missingIn(node);
      if (message) problems.push({ path, message });
    });
  };
  visit(definition.rules, []);
  if (problems.length === 0) {
    // Anything else the schema refuses (a value too long…): said as the schema says it.
    const parsed = SegmentDefinition.safeParse(definition);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ path: pathOfIssue(issue.path), message: issue.message });
    }
  }
  return problems;
}

function missingIn(rule: SegmentRule): string | null {
  switch (rule.type) {
    case 'attribute':
      if (!rule.attribute) return 'choose an attribute';
      if (rule.values.some((value) => value.trim() === '')) return valueCountOf(rule.operator).max === 1 ? 'enter a value' : 'enter every value';
      if (rule.values.length < valueCountOf(rule.operator).min) return 'enter at least one value';
      return null;
    case 'event':
      if (!rule.event.trim()) return 'name the event';
      if (rule.properties.some((p) => !p.property.trim())) return 'name the property of every filter';
      if (rule.window.type === 'since' && !rule.window.date) return 'choose the date the count starts from';
      return null;
    case 'engagement':
      return rule.window.type === 'since' && !rule.window.date ? 'choose the date the count starts from' : null;
    case 'subscription':
      return rule.category ? null : 'choose a subscription category';
    case 'mms_capable':
      return rule.values.length ? null : 'tick at least one answer';
    case 'location':
      return rule.values.length ? null : rule.field === 'state' ? 'choose at least one state' : `enter at least one ${rule.field === 'area_code' ? 'area code' : 'time zone'}`;
    default:
      return null;
  }
}

/** ['rules', 1, 'rules', 0, 'values'] → [1, 0]. */
function pathOfIssue(issuePath: ReadonlyArray<PropertyKey>): number[] {
  const path: number[] = [];
  for (let i = 0; i + 1 < issuePath.length; i++) {
    const next = issuePath[i + 1];
    if (issuePath[i] === 'rules' && typeof next === 'number') path.push(next);
  }
  return path;
}

/** Problems keyed by their path ("1.0"), each message without the "rule 1 of group 2:" the builder shows by placement. */
export function problemsByPath(problems: ReadonlyArray<SegmentProblem | RuleProblem>): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const problem of problems) {
    const key = problem.path.join('.');
    const prefix = `${describePath(problem.path)}: `;
    const message = problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
    byPath.set(key, [...(byPath.get(key) ?? []), message]);
  }
  return byPath;
}

/** "Rule 2 of group 1", "Group 3": how the builder names a place, for labels and messages. */
export function labelOf(path: Path, isGroupNode: boolean): string {
  const text = describePath(path);
  const named = isGroupNode ? text.replace(/^rule/, 'group') : text;
  return named.charAt(0).toUpperCase() + named.slice(1);
}

/** Edits worth warning about: the saved form and the draft differ. */
export function hasUnsavedEdits(
  saved: { name: string; description: string; definition: SegmentDefinition } | null,
  draft: { name: string; description: string; definition: SegmentDefinition },
): boolean {
  if (!saved) return draft.name.trim() !== '' || draft.description.trim() !== '' || draft.definition.rules.length > 0;
  return saved.name !== draft.name || saved.description !== draft.description || JSON.stringify(saved.definition) !== JSON.stringify(draft.definition);
}
