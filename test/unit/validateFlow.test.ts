import { describe, expect, it } from 'vitest';
import { issueCodes, validateFlow, type FlowGraph, type IssueCode, type WaitNodeConfig } from '../../src/shared';
import { edge, graph, linearFlow, node } from '../support/graphs';

const codes = (g: FlowGraph): IssueCode[] => validateFlow(g).issues.map((i) => i.code);

describe('validateFlow', () => {
  it('accepts a complete flow with no issues', () => {
    const result = validateFlow(linearFlow());
    expect(result.issues).toEqual([]);
    expect(result.hasErrors).toBe(false);
  });

  it('FLOW_EMPTY for a flow without nodes', () => {
    expect(codes(graph([]))).toEqual(['FLOW_EMPTY']);
  });

  it('FLOW_NO_TRIGGER when nothing starts the flow', () => {
    const g = graph([node('s', 'sms', { body: 'x' }), node('x', 'exit')], [edge('s', 'next', 'x')]);
    expect(codes(g)).toContain('FLOW_NO_TRIGGER');
  });

  it('FLOW_MULTIPLE_TRIGGERS names the extra trigger', () => {
    const g = linearFlow();
    g.nodes.push(node('t2', 'trigger', { type: 'manual' }));
    g.edges.push(edge('t2', 'next', 'x'));
    const issue = validateFlow(g).issues.find((i) => i.code === 'FLOW_MULTIPLE_TRIGGERS');
    expect(issue?.nodeId).toBe('t2');
    expect(issue?.severity).toBe('error');
  });

  it('NODE_UNREACHABLE is a warning on nodes the trigger cannot reach', () => {
    const g = linearFlow();
    g.nodes.push(node('lonely', 'exit'));
    const issue = validateFlow(g).issues.find((i) => i.code === 'NODE_UNREACHABLE');
    expect(issue).toMatchObject({ nodeId: 'lonely', severity: 'warning' });
    expect(validateFlow(g).hasErrors).toBe(false);
  });

  it('PORT_UNCONNECTED for a required output with no connection', () => {
    const g = linearFlow();
    g.edges = g.edges.filter((e) => e.source !== 's');
    const issue = validateFlow(g).issues.find((i) => i.code === 'PORT_UNCONNECTED');
    expect(issue).toMatchObject({ nodeId: 's', port: 'next', severity: 'error' });
  });

  it('PORT_MULTIPLE_EDGES when one output leads two ways', () => {
    const g = linearFlow();
    g.edges.push(edge('s', 'next', 'w', 'extra'));
    expect(codes(g)).toContain('PORT_MULTIPLE_EDGES');
  });

  it('EDGE_DANGLING for a connection to a deleted node', () => {
    const g = linearFlow();
    g.edges.push(edge('s', 'next', 'ghost', 'dangling'));
    const issue = validateFlow(g).issues.find((i) => i.code === 'EDGE_DANGLING');
    expect(issue?.edgeId).toBe('dangling');
  });

  it('EDGE_UNKNOWN_PORT when a branch condition was removed but its edge remains', () => {
    const g = graph(
      [
        node('t', 'trigger', { type: 'manual' }),
        node('b', 'branch', { conditions: [{ id: 'c1', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' }] }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'b'), edge('b', 'c1', 'x'), edge('b', 'else', 'x'), edge('b', 'c9', 'x')],
    );
    expect(codes(g)).toEqual(['EDGE_UNKNOWN_PORT']);
  });

  it('EDGE_INTO_TRIGGER: nothing may flow into a trigger', () => {
    const g = linearFlow();
    g.edges = g.edges.map((e) => (e.source === 's' ? edge('s', 'next', 't') : e));
    expect(codes(g)).toContain('EDGE_INTO_TRIGGER');
  });

  it('EDGE_SELF_LOOP', () => {
    const g = linearFlow();
    g.edges = g.edges.map((e) => (e.source === 's' ? edge('s', 'next', 's') : e));
    expect(codes(g)).toContain('EDGE_SELF_LOOP');
  });

  it('CYCLE_WITHOUT_WAIT flags every node of a loop with no wait, but not a loop through a wait', () => {
    const loop = graph(
      [
        node('t', 'trigger', { type: 'manual' }),
        node('a', 'sms', { body: 'a' }),
        node('b', 'split', { variants: [{ id: 'va', label: 'A', weight: 50, isHoldout: false }, { id: 'vb', label: 'B', weight: 50, isHoldout: false }] }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'a'), edge('a', 'next', 'b'), edge('b', 'va', 'a'), edge('b', 'vb', 'x')],
    );
    const cyclic = validateFlow(loop).issues.filter((i) => i.code === 'CYCLE_WITHOUT_WAIT').map((i) => i.nodeId).sort();
    expect(cyclic).toEqual(['a', 'b']);

    const withWait = graph(
      [...loop.nodes, node('w', 'wait', { type: 'duration', amount: 2, unit: 'days' })],
      [edge('t', 'next', 'a'), edge('a', 'next', 'b'), edge('b', 'va', 'w'), edge('w', 'next', 'a'), edge('b', 'vb', 'x')],
    );
    expect(codes(withWait)).not.toContain('CYCLE_WITHOUT_WAIT');
  });

  it('TRIGGER_INCOMPLETE for an event trigger without an event name', () => {
    const g = linearFlow();
    g.nodes[0] = node('t', 'trigger', { type: 'event', event: '  ', filters: [] });
    expect(codes(g)).toEqual(['TRIGGER_INCOMPLETE']);
  });

  it('TRIGGER_NOT_AVAILABLE for segment and date triggers, which the engine does not run yet (publishing is blocked)', () => {
    for (const config of [
      { type: 'segment_entered', segment: 'VIP' },
      { type: 'date_attribute', attribute: 'birthday', offsetDays: 0, at: '10:00' },
    ] as const) {
      const g = linearFlow();
      g.nodes[0] = node('t', 'trigger', config);
      const result = validateFlow(g);
      expect(result.issues.map((i) => [i.code, i.severity, i.nodeId])).toEqual([['TRIGGER_NOT_AVAILABLE', 'error', 't']]);
      expect(result.issues[0]?.message).toMatch(/use an event, keyword, subscription or manual trigger/);
    }
  });

  it('WAIT_INVALID for a zero wait, an empty window and an event wait without timeout', () => {
    for (const config of [
      { type: 'duration', amount: 0, unit: 'hours' },
      { type: 'window', days: [], start: '10:00', end: '12:00' },
      { type: 'event', event: 'clicked', timeoutAmount: 0, timeoutUnit: 'days' },
    ] satisfies WaitNodeConfig[]) {
      const g = linearFlow();
      g.nodes[1] = node('w', 'wait', config);
      if (config.type === 'event') {
        g.edges = g.edges.filter((e) => e.source !== 'w');
        g.edges.push(edge('w', 'event', 's'), edge('w', 'timeout', 'x', 'timeout-edge'));
      }
      expect(codes(g)).toEqual(['WAIT_INVALID']);
    }
  });

  it('MESSAGE_BODY_EMPTY for an SMS with only spaces and an MMS with neither media nor text', () => {
    const g = linearFlow();
    g.nodes[2] = node('s', 'sms', { body: '   ' });
    expect(codes(g)).toEqual(['MESSAGE_BODY_EMPTY']);

    const mms = graph(
      [node('t', 'trigger', { type: 'manual' }), node('m', 'mms', { body: '', mediaAssetId: null }), node('x', 'exit')],
      [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'x', 'fb')],
    );
    expect(codes(mms)).toEqual(['MESSAGE_BODY_EMPTY']);
    mms.nodes[1] = node('m', 'mms', { body: '', mediaAssetId: 'sha256-abc' });
    expect(codes(mms)).toEqual([]);
  });

  it('MMS_FALLBACK_UNCONNECTED is a warning, not a blocker', () => {
    const g = graph(
      [node('t', 'trigger', { type: 'manual' }), node('m', 'mms', { body: 'Hi' }), node('x', 'exit')],
      [edge('t', 'next', 'm'), edge('m', 'sent', 'x')],
    );
    const result = validateFlow(g);
    expect(result.issues.map((i) => [i.code, i.severity])).toEqual([['MMS_FALLBACK_UNCONNECTED', 'warning']]);
    expect(result.hasErrors).toBe(false);
  });

  it('TEMPLATE_SYNTAX for a body Liquid cannot parse', () => {
    const g = linearFlow();
    g.nodes[2] = node('s', 'sms', { body: 'Hi {{ first_name ' });
    expect(codes(g)).toEqual(['TEMPLATE_SYNTAX']);
    g.nodes[2] = node('s', 'sms', { body: 'Hi {{ first_name | no_such_filter }}' });
    expect(codes(g)).toEqual(['TEMPLATE_SYNTAX']);
  });

  it('BODY_TOO_LONG when the fixed text alone is over the send limit; BODY_MAY_BE_TOO_LONG when a loop repeats text', () => {
    const g = linearFlow();
    g.nodes[2] = node('s', 'sms', { body: `Hi {{ first_name }} ${'x'.repeat(1_600)}` });
    expect(codes(g)).toEqual(['BODY_TOO_LONG']);
    // The 49-character template that sent 327-segment messages.
    g.nodes[2] = node('s', 'sms', { body: '{% for i in (1..50000) %}Sale! {% endfor %}' });
    expect(validateFlow(g).issues).toMatchObject([{ code: 'BODY_MAY_BE_TOO_LONG', severity: 'warning', nodeId: 's' }]);
    g.nodes[2] = node('s', 'mms', { body: `{% if vip %}${'a'.repeat(1_000)}{% else %}${'b'.repeat(1_000)}{% endif %}`, mediaAssetId: 'm' });
    expect(codes(g)).toContain('BODY_MAY_BE_TOO_LONG');
    expect(codes(g)).not.toContain('BODY_TOO_LONG');
    // Comments are not sent; an ordinary message is not reported.
    g.nodes[2] = node('s', 'sms', { body: `{% comment %}${'note '.repeat(400)}{% endcomment %}Hi {{ first_name | default: "there" }}` });
    expect(codes(g)).toEqual([]);
  });

  describe('branch', () => {
    const branchFlow = (conditions: unknown[], withElse = true): FlowGraph =>
      graph(
        [node('t', 'trigger', { type: 'manual' }), node('b', 'branch', { conditions } as never), node('x', 'exit')],
        [
          edge('t', 'next', 'b'),
          ...(conditions as Array<{ id: string }>).map((c) => edge('b', c.id, 'x')),
          ...(withElse ? [edge('b', 'else', 'x')] : []),
        ],
      );
    const vip = { id: 'c1', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' };

    it('BRANCH_WITHOUT_ELSE when the else path is not connected', () => {
      expect(codes(branchFlow([vip], false))).toEqual(['BRANCH_WITHOUT_ELSE']);
      expect(codes(branchFlow([vip], true))).toEqual([]);
    });
    it('BRANCH_NO_CONDITIONS', () => {
      expect(codes(branchFlow([]))).toEqual(['BRANCH_NO_CONDITIONS']);
    });
    it('BRANCH_CONDITION_INCOMPLETE for a missing attribute value, but not for "exists"', () => {
      expect(codes(branchFlow([{ ...vip, value: '' }]))).toEqual(['BRANCH_CONDITION_INCOMPLETE']);
      expect(codes(branchFlow([{ ...vip, value: '', operator: 'exists' }]))).toEqual([]);
      expect(codes(branchFlow([{ ...vip, subject: 'mms_capable', name: '', operator: 'equals', value: 'yes' }]))).toEqual([]);
    });
    it('BRANCH_DUPLICATE_CONDITION', () => {
      expect(codes(branchFlow([vip, { ...vip, label: 'Again' }]))).toContain('BRANCH_DUPLICATE_CONDITION');
    });
  });

  describe('split', () => {
    const splitFlow = (variants: Array<{ id: string; weight: number; isHoldout?: boolean }>): FlowGraph =>
      graph(
        [
          node('t', 'trigger', { type: 'manual' }),
          node('p', 'split', { variants: variants.map((v) => ({ label: v.id, isHoldout: false, ...v })) }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'p'), ...variants.filter((v) => !v.isHoldout).map((v) => edge('p', v.id, 'x'))],
      );

    it('SPLIT_WEIGHTS_NOT_100 names the actual total', () => {
      const issue = validateFlow(splitFlow([{ id: 'va', weight: 60 }, { id: 'vb', weight: 30 }])).issues[0];
      expect(issue?.code).toBe('SPLIT_WEIGHTS_NOT_100');
      expect(issue?.message).toContain('90');
    });
    it('a holdout counts toward 100 and needs no connection', () => {
      expect(codes(splitFlow([{ id: 'va', weight: 45 }, { id: 'vb', weight: 45 }, { id: 'vh', weight: 10, isHoldout: true }]))).toEqual([]);
    });
    it('SPLIT_DUPLICATE_VARIANT', () => {
      expect(codes(splitFlow([{ id: 'va', weight: 50 }, { id: 'va', weight: 50 }]))).toContain('SPLIT_DUPLICATE_VARIANT');
    });
  });

  it('NODE_DUPLICATE_ID', () => {
    const g = linearFlow();
    g.nodes.push(node('x', 'exit'));
    expect(codes(g)).toContain('NODE_DUPLICATE_ID');
  });

  it('every declared issue code is produced by at least one test (here or in validateMedia.test.ts)', async () => {
    const fs = await import('node:fs');
    const source = [import.meta.url, new URL('./validateMedia.test.ts', import.meta.url)].map((url) => fs.readFileSync(new URL(url), 'utf8')).join('\n');
    const untested = issueCodes.filter((code) => !source.includes(`'${code}'`));
    expect(untested).toEqual([]);
  });

  it('handles a 5,000-node chain without overflowing the stack', () => {
    const nodes = [node('n0', 'trigger', { type: 'manual' })];
    const edges = [];
    for (let i = 1; i < 5000; i++) {
      nodes.push(node(`n${i}`, 'wait', { type: 'duration', amount: 1, unit: 'minutes' }));
      edges.push(edge(`n${i - 1}`, 'next', `n${i}`));
    }
    nodes.push(node('end', 'exit'));
    edges.push(edge('n4999', 'next', 'end'));
    expect(validateFlow(graph(nodes, edges)).issues).toEqual([]);
  });
});
