import { describe, expect, it } from 'vitest';
import { FlowNode, nodeDefinitions, nodeKinds, portsOf, type NodeKind } from '../../src/shared';

describe('node definitions', () => {
  it.each(nodeKinds)('%s: defaults satisfy its own schema', (kind: NodeKind) => {
    const definition = nodeDefinitions[kind];
    expect(definition.kind).toBe(kind);
    expect(definition.schema.safeParse(definition.defaults()).success).toBe(true);
    expect(FlowNode.safeParse({ id: 'n1', kind, position: { x: 0, y: 0 }, config: definition.defaults() }).success).toBe(true);
  });

  it('only the trigger has no input; only exit has no outputs', () => {
    expect(nodeKinds.filter((k) => !nodeDefinitions[k].hasInput)).toEqual(['trigger']);
    expect(nodeKinds.filter((k) => portsOf(k, nodeDefinitions[k].defaults()).length === 0)).toEqual(['exit']);
  });

  it('MMS offers sent and an optional fallback', () => {
    expect(portsOf('mms', nodeDefinitions.mms.defaults()).map((p) => [p.id, p.isRequired])).toEqual([
      ['sent', true],
      ['fallback', false],
    ]);
  });

  it('a branch has one port per condition, in order, then else', () => {
    const config = {
      conditions: [
        { id: 'c1', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' },
        { id: 'c2', label: 'Bought', subject: 'event_since_entry', name: 'purchased', operator: 'exists', value: '' },
      ],
    };
    expect(portsOf('branch', config).map((p) => p.id)).toEqual(['c1', 'c2', 'else']);
  });

  it('a split has one port per variant; a holdout port is optional', () => {
    const ports = portsOf('split', {
      variants: [
        { id: 'va', label: 'A', weight: 45, isHoldout: false },
        { id: 'vh', label: 'Control', weight: 55, isHoldout: true },
      ],
    });
    expect(ports.map((p) => [p.id, p.isRequired])).toEqual([
      ['va', true],
      ['vh', false],
    ]);
  });

  it('a wait for an event has event and timeout ports; other waits one', () => {
    expect(portsOf('wait', { type: 'event', event: 'clicked', timeoutAmount: 2, timeoutUnit: 'days' }).map((p) => p.id)).toEqual(['event', 'timeout']);
    expect(portsOf('wait', { type: 'duration', amount: 1, unit: 'hours' }).map((p) => p.id)).toEqual(['next']);
  });

  it('portsOf returns nothing for a config that does not parse', () => {
    expect(portsOf('split', { variants: 'lots' })).toEqual([]);
  });

  it('rejects configs of the wrong shape for a kind', () => {
    expect(FlowNode.safeParse({ id: 'n', kind: 'sms', position: { x: 0, y: 0 }, config: { body: 5 } }).success).toBe(false);
    expect(FlowNode.safeParse({ id: 'n', kind: 'wait', position: { x: 0, y: 0 }, config: { type: 'forever' } }).success).toBe(false);
    expect(FlowNode.safeParse({ id: 'n', kind: 'trigger', position: { x: 0, y: 0 }, config: { type: 'date_attribute', attribute: 'birthday', offsetDays: 0, at: '25:00' } }).success).toBe(false);
  });
});
