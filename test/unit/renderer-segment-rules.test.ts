import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute } from '../../src/renderer/src/app/useRoute';
import { checkSegment } from '../../src/shared/audience/check';
import type { AttributeRule, SegmentDefinition, SegmentRule } from '../../src/shared/audience/segment';
import {
  canNestGroupIn,
  defaultRule,
  editDefinition,
  hasUnsavedEdits,
  incompleteRules,
  labelOf,
  problemsByPath,
  splitList,
  withAttribute,
  withOperator,
} from '../../src/renderer/src/segments/ruleEditing';

const tier = (value: string): SegmentRule => ({ type: 'attribute', attribute: 'tier', operator: 'equals', values: [value] });
const florida: SegmentRule = { type: 'location', field: 'state', operator: 'in', values: ['FL'] };
const catalog = { attributes: [{ name: 'tier', type: 'text' as const }, { name: 'points', type: 'number' as const }], categories: [{ id: 'promotions' }] };

describe('editing segment rules', () => {
  it('adds rules and a nested OR group, edits inside the group, switches all/any and removes by place', () => {
    let d: SegmentDefinition = { match: 'all', rules: [] };
    d = editDefinition(d, { type: 'addRule', group: [], rule: florida });
    d = editDefinition(d, { type: 'addGroup', group: [], match: 'any' });
    d = editDefinition(d, { type: 'addRule', group: [1], rule: tier('vip') });
    d = editDefinition(d, { type: 'addRule', group: [1], rule: tier('') });
    d = editDefinition(d, { type: 'replaceRule', path: [1, 1], rule: tier('gold') });
    expect(d).toEqual({ match: 'all', rules: [florida, { type: 'group', match: 'any', rules: [tier('vip'), tier('gold')] }] });

    const switched = editDefinition(d, { type: 'setMatch', group: [1], match: 'all' });
    expect(switched.rules[1]).toMatchObject({ type: 'group', match: 'all' });
    expect(editDefinition(d, { type: 'setMatch', group: [], match: 'any' }).match).toBe('any');

    const removed = editDefinition(d, { type: 'remove', path: [1, 0] });
    expect(removed.rules[1]).toEqual({ type: 'group', match: 'any', rules: [tier('gold')] });
    expect(editDefinition(d, { type: 'remove', path: [0] }).rules).toEqual([d.rules[1]]);
    // The original is untouched: every edit is a new definition (undo and "unsaved" compare them).
    expect(d.rules[1]).toEqual({ type: 'group', match: 'any', rules: [tier('vip'), tier('gold')] });
  });

  it('nests groups only as deep as the segment check allows', () => {
    expect(canNestGroupIn([])).toBe(true);
    expect(canNestGroupIn([0])).toBe(true);
    expect(canNestGroupIn([0, 0])).toBe(false);
    let d: SegmentDefinition = { match: 'all', rules: [] };
    d = editDefinition(d, { type: 'addGroup', group: [], match: 'any' });
    d = editDefinition(d, { type: 'addGroup', group: [0], match: 'all' });
    const tooDeep = editDefinition(d, { type: 'addGroup', group: [0, 0], match: 'any' });
    expect(tooDeep).toBe(d);
    d = editDefinition(d, { type: 'addRule', group: [0, 0], rule: florida });
    expect(checkSegment(d, { attributes: {}, categories: {} })).toEqual([]);
  });

  it('limits operators to the attribute type and sizes the values to the operator', () => {
    const rule: AttributeRule = { type: 'attribute', attribute: 'tier', operator: 'contains', values: ['vi'] };
    // A number attribute has no "contains": the first number operator, and the value starts empty.
    expect(withAttribute(rule, 'points', 'number')).toEqual({ type: 'attribute', attribute: 'points', operator: 'equals', values: [''] });
    // A list attribute takes "contains": kept with its value.
    expect(withAttribute(rule, 'tags', 'list')).toEqual({ ...rule, attribute: 'tags' });
    expect(withOperator(rule, 'between').values).toEqual(['vi', '']);
    expect(withOperator(rule, 'is_set').values).toEqual([]);
    expect(withOperator({ ...rule, values: ['a', 'b'] }, 'equals').values).toEqual(['a']);
    expect(withOperator({ ...rule, values: ['a', 'b'] }, 'in').values).toEqual(['a', 'b']);
  });

  it('starts each kind of rule filled in as far as the catalog allows', () => {
    expect(defaultRule('attribute', catalog)).toEqual({ type: 'attribute', attribute: 'tier', operator: 'equals', values: [''] });
    expect(defaultRule('subscription', catalog)).toEqual({ type: 'subscription', category: 'promotions', state: 'subscribed' });
    expect(defaultRule('attribute', { attributes: [], categories: [] })).toMatchObject({ attribute: '' });
  });

  it('says, per rule and before asking the server, what is not filled in yet', () => {
    const d: SegmentDefinition = {
      match: 'all',
      rules: [
        tier(''),
        { type: 'location', field: 'area_code', operator: 'in', values: [] },
        { type: 'group', match: 'any', rules: [] },
        { type: 'group', match: 'any', rules: [{ type: 'event', event: ' ', count: { operator: 'at_least', value: 1 }, window: { type: 'ever' }, properties: [] }] },
        florida,
      ],
    };
    expect(incompleteRules(d)).toEqual([
      { path: [0], message: 'enter a value' },
      { path: [1], message: 'enter at least one area code' },
      { path: [2], message: 'add a rule to this group, or remove it' },
      { path: [3, 0], message: 'name the event' },
    ]);
    expect(incompleteRules({ match: 'all', rules: [tier('vip'), florida] })).toEqual([]);
  });

  it('places the server’s problems by their rule, without repeating the rule’s name', () => {
    const problems = checkSegment(
      { match: 'all', rules: [florida, { type: 'group', match: 'any', rules: [tier('vip'), { type: 'attribute', attribute: 'points', operator: 'greater_than', values: ['lots'] }] }] },
      { attributes: { tier: 'text', points: 'number' }, categories: {} },
    );
    expect(problemsByPath(problems)).toEqual(new Map([['1.1', ['"lots" is not a number']]]));
    expect(labelOf([1, 1], false)).toBe('Rule 2 of group 2');
    expect(labelOf([1], true)).toBe('Group 2');
  });

  it('reads comma lists and knows when there is something to lose', () => {
    expect(splitList(' 305, 786 ,,954 ')).toEqual(['305', '786', '954']);
    const saved = { name: 'VIPs', description: '', definition: { match: 'all' as const, rules: [tier('vip')] } };
    expect(hasUnsavedEdits(saved, { ...saved, definition: { match: 'all', rules: [tier('vip')] } })).toBe(false);
    expect(hasUnsavedEdits(saved, { ...saved, definition: { match: 'any', rules: [tier('vip')] } })).toBe(true);
    expect(hasUnsavedEdits(saved, { ...saved, name: 'VIP customers' })).toBe(true);
    expect(hasUnsavedEdits(null, { name: ' ', description: '', definition: { match: 'all', rules: [] } })).toBe(false);
    expect(hasUnsavedEdits(null, { name: '', description: '', definition: { match: 'all', rules: [florida] } })).toBe(true);
  });
});

describe('the segments route', () => {
  it('opens the page at #/segments and one segment at #/segments/<id>, and links back to both', () => {
    expect(parseRoute('#/segments')).toEqual({ name: 'segments', segmentId: null });
    expect(parseRoute('#/segments/3f2a-b_9')).toEqual({ name: 'segments', segmentId: '3f2a-b_9' });
    expect(parseRoute('#/segments/a b')).toEqual({ name: 'list' });
    expect(hrefOf({ name: 'segments', segmentId: '3f2a-b_9' })).toBe('#/segments/3f2a-b_9');
    expect(hrefOf({ name: 'segments', segmentId: null })).toBe('#/segments');
  });
});
