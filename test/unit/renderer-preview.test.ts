import { describe, expect, it } from 'vitest';
import { fallbackSmsOf, firstMessageFrom, variantMessages } from '../../src/renderer/src/preview/flowMessages';
import { renderForContact, splitLinks } from '../../src/renderer/src/preview/messageText';
import { sampleContacts, type SampleContact } from '../../src/renderer/src/preview/sampleContacts';
import type { FlowEdge, FlowGraph, FlowNode } from '../../src/shared/graph/graph';
import { nodeDefinitions, type NodeConfigByKind, type NodeKind } from '../../src/shared/graph/nodes';
import type { EdgeId, NodeId } from '../../src/shared/ids';

// test/support/graphs.ts is outside the web project; the same helpers, typed for it.
function node<K extends NodeKind>(id: string, kind: K, config: Partial<NodeConfigByKind[K]> = {}): FlowNode {
  return { id: id as NodeId, kind, position: { x: 0, y: 0 }, config: { ...nodeDefinitions[kind].defaults(), ...config } } as FlowNode;
}
const edge = (source: string, sourcePort: string, target: string): FlowEdge => ({
  id: `${source}-${sourcePort}-${target}` as EdgeId,
  source: source as NodeId,
  sourcePort,
  target: target as NodeId,
});
const graph = (nodes: FlowNode[], edges: FlowEdge[]): FlowGraph => ({ nodes, edges });

const maya = sampleContacts[0] as SampleContact;
const bare = sampleContacts.find((c) => c.id === 'new') as SampleContact;

describe('preview text', () => {
  it('renders a body for a contact with the engine’s Liquid, defaults for missing attributes', () => {
    const body = 'Hi {{ first_name | default: "there" }} ({{ phone }})';
    expect(renderForContact(body, maya)).toEqual({ ok: true, text: `Hi Maya (${maya.phone})` });
    expect(renderForContact(body, bare)).toEqual({ ok: true, text: `Hi there (${bare.phone})` });
    expect(renderForContact('{{ x | no_such_filter }}', maya).ok).toBe(false);
  });

  it('splits links out of text, keeping trailing punctuation outside, and never yields a non-http link', () => {
    expect(splitLinks('Order: https://shop.example/c/1. Or www.shop.example, or shop.example/cart!')).toEqual([
      { kind: 'text', text: 'Order: ' },
      { kind: 'link', text: 'https://shop.example/c/1', href: 'https://shop.example/c/1' },
      { kind: 'text', text: '. Or ' },
      { kind: 'link', text: 'www.shop.example', href: 'https://www.shop.example' },
      { kind: 'text', text: ', or ' },
      { kind: 'link', text: 'shop.example/cart', href: 'https://shop.example/cart' },
      { kind: 'text', text: '!' },
    ]);
    const hostile = splitLinks('javascript:alert(1) <img src=x onerror=alert(1)>');
    expect(hostile.every((part) => part.kind === 'text')).toBe(true);
  });
});

describe('messages in a flow', () => {
  const split = node('ab', 'split', {
    variants: [
      { id: 'va', label: 'A', weight: 45, isHoldout: false },
      { id: 'vb', label: 'B', weight: 45, isHoldout: false },
      { id: 'vh', label: 'Holdout', weight: 10, isHoldout: true },
    ],
  });
  const g = graph(
    [
      node('t', 'trigger', { type: 'manual' }),
      split,
      node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
      node('ma', 'mms', { body: 'A' }),
      node('sb', 'sms', { body: 'B' }),
      node('fb', 'sms', { body: 'fallback' }),
      node('x', 'exit'),
    ],
    [edge('t', 'next', 'ab'), edge('ab', 'va', 'ma'), edge('ab', 'vb', 'w'), edge('w', 'next', 'sb'), edge('ma', 'fallback', 'fb'), edge('ma', 'sent', 'x')],
  );

  it('finds the first message after each variant, through waits; a holdout has none', () => {
    expect(variantMessages(g, 'ab').map((v) => [v.variant.id, v.message?.id ?? null])).toEqual([
      ['va', 'ma'],
      ['vb', 'sb'],
      ['vh', null],
    ]);
  });

  it('finds an MMS’s fallback SMS, and stops at the next message', () => {
    expect(fallbackSmsOf(g, 'ma')?.id).toBe('fb');
    expect(fallbackSmsOf(g, 'sb')).toBeNull();
    expect(firstMessageFrom(g, g.nodes[0])?.id).toBe('ma');
  });
});
