import { describe, expect, it } from 'vitest';
import { contract, isMethodName, methodNames } from '../../src/shared';
import { linearFlow } from '../support/graphs';

describe('API contract', () => {
  it('names every method domain.verb and gives each an input schema', () => {
    for (const name of methodNames) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(typeof contract[name].input.safeParse).toBe('function');
    }
  });

  it('recognises only its own method names (no prototype keys)', () => {
    expect(isMethodName('flows.list')).toBe(true);
    expect(isMethodName('constructor')).toBe(false);
    expect(isMethodName('__proto__')).toBe(false);
    expect(isMethodName(42)).toBe(false);
  });

  it('flows.saveDraft accepts a real graph and refuses extra or malformed fields', () => {
    const schema = contract['flows.saveDraft'].input;
    expect(schema.safeParse({ id: 'f1', graph: linearFlow(), baseRevision: 3 }).success).toBe(true);
    expect(schema.safeParse({ id: 'f1', graph: linearFlow(), sneaky: true }).success).toBe(false);
    expect(schema.safeParse({ id: '../../etc/passwd', graph: linearFlow() }).success).toBe(false);
    expect(schema.safeParse({ id: 'f1', graph: { nodes: 'x', edges: [] } }).success).toBe(false);
    expect(schema.safeParse({ id: 'f1', graph: linearFlow(), baseRevision: -1 }).success).toBe(false);
  });

  it('flows.create trims names and refuses blank or overlong ones', () => {
    const schema = contract['flows.create'].input;
    expect(schema.parse({ name: '  Spring sale  ' })).toEqual({ name: 'Spring sale' });
    expect(schema.safeParse({ name: '   ' }).success).toBe(false);
    expect(schema.safeParse({ name: 'x'.repeat(121) }).success).toBe(false);
  });

  it('refuses graphs above the node limit', () => {
    const g = linearFlow();
    const big = { ...g, nodes: Array.from({ length: 5001 }, (_, i) => ({ ...g.nodes[3], id: `x${i}` })) };
    expect(contract['flows.saveDraft'].input.safeParse({ id: 'f1', graph: big }).success).toBe(false);
  });
});
