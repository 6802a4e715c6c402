import { describe, expect, it } from 'vitest';
import { defaultFlowSettings, issueCodes, validateFlow, type FlowGraph, type FlowSettings, type IssueCode, type WaitNodeConfig } from '../../src/shared';
import { fixedBody, fixedSettings, type IssueFix } from '../../src/shared/graph/compliance';
import type { ValidationContext } from '../../src/shared/graph/validate';
import type { SplitAutoWinner } from '../../src/shared/graph/nodes';
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

  it('segment and date triggers, which the engine runs, publish like any other', () => {
    for (const config of [
      { type: 'segment_entered', segment: 'VIP' },
      { type: 'date_attribute', attribute: 'birthday', offsetDays: -3, at: '10:00', isYearly: true },
    ] as const) {
      const g = linearFlow();
      g.nodes[0] = node('t', 'trigger', config);
      expect(validateFlow(g).issues).toEqual([]);
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
    it('EVENT_NAME_HAS_SPACES on an "event since entry" condition, on its port; not on an attribute with spaces', () => {
      const bought = { id: 'c2', label: 'Bought', subject: 'event_since_entry', name: 'order placed', operator: 'exists', value: '' };
      const [issue] = validateFlow(branchFlow([bought])).issues;
      expect(issue).toMatchObject({ code: 'EVENT_NAME_HAS_SPACES', severity: 'error', nodeId: 'b', port: 'c2' });
      expect(issue?.message).toContain('condition "Bought"');
      expect(issue?.message).toContain('"order_placed"');
      expect(codes(branchFlow([{ ...bought, name: 'order_placed' }]))).toEqual([]);
      expect(codes(branchFlow([{ ...vip, name: 'loyalty tier' }]))).toEqual([]);
    });
  });

  describe('event names', () => {
    it('EVENT_NAME_HAS_SPACES on an event trigger, naming the step and the field, and it blocks publishing', () => {
      const g = linearFlow();
      g.nodes[0] = node('t', 'trigger', { type: 'event', event: 'added to cart', filters: [] }, 'Cart trigger');
      const validation = validateFlow(g);
      expect(validation.issues.map((i) => [i.code, i.nodeId])).toEqual([['EVENT_NAME_HAS_SPACES', 't']]);
      expect(validation.issues[0]?.message).toMatch(/^The event name of "Cart trigger" \("added to cart"\) has spaces/);
      expect(validation.issues[0]?.message).toContain('"added_to_cart"');
      expect(validation.hasErrors).toBe(true);
      // Spaces around the name are not inside it.
      g.nodes[0] = node('t', 'trigger', { type: 'event', event: ' added_to_cart ', filters: [] });
      expect(codes(g)).toEqual([]);
    });

    it('EVENT_NAME_HAS_SPACES on a wait for an event, tabs included', () => {
      const g = linearFlow();
      g.nodes[1] = node('w', 'wait', { type: 'event', event: 'order\tplaced', timeoutAmount: 1, timeoutUnit: 'days' });
      const issue = validateFlow(g).issues.find((i) => i.code === 'EVENT_NAME_HAS_SPACES');
      expect(issue?.nodeId).toBe('w');
      expect(issue?.message).toContain('The event to wait for of the Wait step');
    });

    it('EVENT_NAME_HAS_SPACES on the goal event when the settings are given', () => {
      const settings = { ...defaultFlowSettings(), goalEvent: 'order placed' };
      expect(codes(linearFlow())).toEqual([]);
      const issue = validateFlow(linearFlow(), { settings }).issues.find((i) => i.code === 'EVENT_NAME_HAS_SPACES');
      expect(issue?.message).toMatch(/^The flow's goal event \("order placed"\)/);
      expect(issue?.nodeId).toBeUndefined();
    });
  });

  describe('split', () => {
    const splitFlow = (variants: Array<{ id: string; weight: number; isHoldout?: boolean }>, autoWinner?: SplitAutoWinner): FlowGraph =>
      graph(
        [
          node('t', 'trigger', { type: 'manual' }),
          node('p', 'split', { variants: variants.map((v) => ({ label: v.id, isHoldout: false, ...v })), ...(autoWinner ? { autoWinner } : {}) }),
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
    describe('auto-winner settings', () => {
      const ab = [{ id: 'va', weight: 45 }, { id: 'vb', weight: 45 }, { id: 'vh', weight: 10, isHoldout: true }];
      const auto = (patch: Partial<SplitAutoWinner>): SplitAutoWinner => ({ when: 'sends', sendsPerVariant: 1000, date: '', metric: 'conversion', ...patch });
      it('accepts a sound sample, a real date, or off', () => {
        expect(codes(splitFlow(ab, auto({})))).toEqual([]);
        expect(codes(splitFlow(ab, auto({ when: 'date', date: '2026-03-01T10:00:00.000Z', metric: 'delivery' })))).toEqual([]);
        expect(codes(splitFlow([{ id: 'va', weight: 100 }], auto({ when: 'off', sendsPerVariant: 0 })))).toEqual([]);
      });
      it('SPLIT_AUTO_WINNER_TOO_FEW_SENDS', () => {
        expect(codes(splitFlow(ab, auto({ sendsPerVariant: 5, metric: 'click' })))).toEqual(['SPLIT_AUTO_WINNER_TOO_FEW_SENDS']);
      });
      it('SPLIT_AUTO_WINNER_DATE_INVALID, for no date and for a date that does not exist', () => {
        expect(codes(splitFlow(ab, auto({ when: 'date', date: '' })))).toEqual(['SPLIT_AUTO_WINNER_DATE_INVALID']);
        expect(codes(splitFlow(ab, auto({ when: 'date', date: '2026-13-40T10:00' })))).toEqual(['SPLIT_AUTO_WINNER_DATE_INVALID']);
      });
      it('SPLIT_AUTO_WINNER_NEEDS_TWO_VARIANTS: a variant and a holdout leave nothing to choose between', () => {
        expect(codes(splitFlow([{ id: 'va', weight: 90 }, { id: 'vh', weight: 10, isHoldout: true }], auto({})))).toEqual(['SPLIT_AUTO_WINNER_NEEDS_TWO_VARIANTS']);
      });
    });
  });

  it('NODE_DUPLICATE_ID', () => {
    const g = linearFlow();
    g.nodes.push(node('x', 'exit'));
    expect(codes(g)).toContain('NODE_DUPLICATE_ID');
  });

  describe('compliance (warnings, with the flow settings)', () => {
    const compliant = (): FlowSettings => ({
      ...defaultFlowSettings(),
      quietHours: { isEnabled: true, start: '20:00', end: '08:00' },
      helpReply: 'Acme Shoes: up to 4 msgs/mo. Msg & data rates may apply. Reply STOP to cancel.',
    });
    const withStop = (): FlowGraph => {
      const g = linearFlow();
      g.nodes[2] = node('s', 'sms', { body: 'Acme Shoes: welcome! Reply STOP to opt out.' });
      return g;
    };
    const compliance = (g: FlowGraph, settings: FlowSettings): Array<[IssueCode, string, string | undefined]> =>
      validateFlow(g, { settings }).issues.map((i) => [i.code, i.severity, i.nodeId]);

    it('a flow with opt-out wording, 20:00–08:00 quiet hours, a cap of 3 a day and its own HELP answer has none', () => {
      expect(compliance(withStop(), compliant())).toEqual([]);
      expect(validateFlow(linearFlow()).issues).toEqual([]);
    });

    it('FIRST_MESSAGE_NO_OPT_OUT on the first message a contact can reach when it does not say how to stop', () => {
      expect(compliance(linearFlow(), compliant())).toEqual([['FIRST_MESSAGE_NO_OPT_OUT', 'warning', 's']]);
    });

    it('QUIET_HOURS_OFF when quiet hours are switched off', () => {
      const settings = { ...compliant(), quietHours: { isEnabled: false, start: '20:00', end: '08:00' } };
      expect(compliance(withStop(), settings).map(([code]) => code)).toEqual(['QUIET_HOURS_OFF']);
    });

    it('QUIET_HOURS_STRICT_STATES when sends can go out 20:00–21:00 or more than 3 a day (Florida, Oklahoma)', () => {
      const federal = { ...compliant(), quietHours: { isEnabled: true, start: '21:00', end: '08:00' } };
      const [issue] = validateFlow(withStop(), { settings: federal }).issues;
      expect(issue?.code).toBe('QUIET_HOURS_STRICT_STATES');
      expect(issue?.message).toContain('20:00 recipient time');
      const chatty = { ...compliant(), frequencyCap: { isEnabled: true, maxMessages: 5, perHours: 24 } };
      expect(validateFlow(withStop(), { settings: chatty }).issues[0]?.message).toContain('more than 3 messages in 24 hours');
      expect(validateFlow(withStop(), { settings: chatty }).hasErrors).toBe(false);
    });

    it('QUIET_HOURS_STRICT_STATES counts what the frequency cap lets through in any 24 hours, not just caps of 24 hours or less', () => {
      const strict = (maxMessages: number, perHours: number): string | undefined =>
        validateFlow(withStop(), { settings: { ...compliant(), frequencyCap: { isEnabled: true, maxMessages, perHours } } }).issues.find(
          (i) => i.code === 'QUIET_HOURS_STRICT_STATES',
        )?.message;
      expect(strict(5, 24)).toContain('the frequency cap allows 5');
      // 4 in 48 hours can all go out on one day.
      expect(strict(4, 48)).toContain('the frequency cap allows 4');
      // The window slides: 2 at 08:00 and 2 more at 20:00 the same day.
      expect(strict(2, 12)).toContain('the frequency cap allows 4');
      expect(strict(1, 6)).toContain('the frequency cap allows 4');
      expect(strict(1, 7)).toContain('the frequency cap allows 4');
      expect(strict(3, 24)).toBeUndefined();
      expect(strict(1, 8)).toBeUndefined();
      expect(strict(3, 72)).toBeUndefined();
      const uncapped = { ...compliant(), frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } };
      expect(validateFlow(withStop(), { settings: uncapped }).issues[0]?.message).toContain('there is no frequency cap');
    });

    it('HELP_REPLY_GENERIC when HELP would get the generic default', () => {
      expect(compliance(withStop(), { ...compliant(), helpReply: '' }).map(([code]) => code)).toEqual(['HELP_REPLY_GENERIC']);
    });

    it('FIRST_MESSAGE_NO_BRAND when the first message does not name the workspace brand; the fix puts it first', () => {
      const g = withStop();
      expect(compliance(g, compliant())).toEqual([]);
      expect(validateFlow(g, { settings: compliant(), brandName: 'Acme Shoes' }).issues).toEqual([]);
      const [issue] = validateFlow(g, { settings: compliant(), brandName: 'Globex' }).issues;
      expect(issue).toMatchObject({ code: 'FIRST_MESSAGE_NO_BRAND', severity: 'warning', nodeId: 's' });
      expect(issue?.fix?.type).toBe('prepend_body');
      const fixed = fixedBody('Acme Shoes: welcome! Reply STOP to opt out.', issue?.fix as Extract<IssueFix, { nodeId: unknown }>);
      expect(fixed).toBe('Globex: Acme Shoes: welcome! Reply STOP to opt out.');
      g.nodes[2] = node('s', 'sms', { body: fixed });
      expect(validateFlow(g, { settings: compliant(), brandName: 'Globex' }).issues).toEqual([]);
      // Part of a longer word is not the brand.
      g.nodes[2] = node('s', 'sms', { body: 'Globexcellent news. Reply STOP to opt out.' });
      expect(validateFlow(g, { settings: compliant(), brandName: 'Globex' }).issues.map((i) => i.code)).toEqual(['FIRST_MESSAGE_NO_BRAND']);
    });

    it('FIRST_MESSAGE_NO_BRAND once for the flow, without a step, when no brand name is set', () => {
      const issues = validateFlow(withStop(), { settings: compliant(), brandName: '  ' }).issues;
      expect(issues.map((i) => [i.code, i.nodeId, i.fix])).toEqual([['FIRST_MESSAGE_NO_BRAND', undefined, undefined]]);
    });

    it('the opt-out fix appends the instruction and the warning goes', () => {
      const g = linearFlow();
      const [issue] = validateFlow(g, { settings: compliant() }).issues;
      expect(issue?.code).toBe('FIRST_MESSAGE_NO_OPT_OUT');
      const body = fixedBody('Welcome!', issue?.fix as Extract<IssueFix, { nodeId: unknown }>);
      expect(body).toBe('Welcome! Reply STOP to opt out.');
      g.nodes[2] = node('s', 'sms', { body });
      expect(validateFlow(g, { settings: compliant() }).issues).toEqual([]);
    });

    it('the settings fixes of QUIET_HOURS_OFF, QUIET_HOURS_STRICT_STATES and HELP_REPLY_GENERIC clear them', () => {
      let settings: FlowSettings = { ...compliant(), quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 10, perHours: 24 }, helpReply: '' };
      const context = (): ValidationContext => ({ settings, brandName: 'Acme Shoes' });
      for (const code of ['QUIET_HOURS_OFF', 'QUIET_HOURS_STRICT_STATES', 'HELP_REPLY_GENERIC'] as const) {
        const issue = validateFlow(withStop(), context()).issues.find((i) => i.code === code);
        expect(issue?.fix?.type, code).toBe('settings');
        settings = fixedSettings(settings, issue?.fix as Extract<IssueFix, { type: 'settings' }>);
      }
      expect(validateFlow(withStop(), context()).issues).toEqual([]);
      expect(settings.quietHours).toEqual({ isEnabled: true, start: '20:00', end: '08:00' });
      expect(settings.frequencyCap).toEqual({ isEnabled: true, maxMessages: 3, perHours: 24 });
      expect(settings.helpReply).toContain('Acme Shoes');
    });

    it('MMS_ACCOUNT_NO_MMS is an error on each MMS step when the sending account carries SMS only', () => {
      const g = withStop();
      g.nodes[2] = node('s', 'mms', { body: 'Acme Shoes: new in! Reply STOP to opt out.', mediaAssetId: 'asset1' });
      g.nodes.push(node('f', 'sms', { body: 'fallback' }));
      g.edges = g.edges.map((e) => (e.source === 's' ? edge('s', 'sent', 'x') : e));
      g.edges.push(edge('s', 'fallback', 'f'), edge('f', 'next', 'x'));
      const settings = { ...compliant(), sendingAccountId: 'acc_abcdefghij' };
      const smsOnly = new Map([['acc_abcdefghij', { name: 'Twilio main', channels: ['sms' as const] }]]);
      const result = validateFlow(g, { settings, sendingAccounts: smsOnly });
      expect(result.issues.map((i) => [i.code, i.severity, i.nodeId])).toEqual([['MMS_ACCOUNT_NO_MMS', 'error', 's']]);
      expect(result.hasErrors).toBe(true);
      const both = new Map([['acc_abcdefghij', { name: 'Twilio main', channels: ['sms' as const, 'mms' as const] }]]);
      expect(validateFlow(g, { settings, sendingAccounts: both }).issues).toEqual([]);
      // On the simulator (no account) nothing is refused.
      expect(validateFlow(g, { settings: compliant(), sendingAccounts: smsOnly }).issues).toEqual([]);
    });

    it('CONSENT_SOURCE_UNRECORDED names how many reachable contacts have consent without a source', () => {
      expect(validateFlow(withStop(), { settings: compliant(), unrecordedConsentContacts: 0 }).issues).toEqual([]);
      const [issue] = validateFlow(withStop(), { settings: compliant(), unrecordedConsentContacts: 1250 }).issues;
      expect(issue).toMatchObject({ code: 'CONSENT_SOURCE_UNRECORDED', severity: 'warning' });
      expect(issue?.message).toContain('1,250 contacts');
    });
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
