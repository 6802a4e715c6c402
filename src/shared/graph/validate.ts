import type { EdgeId, NodeId } from '../ids';
import { DEFAULT_PROFILE_ID, getProfile, type ProfileId, type TargetProfile } from '../media/profiles';
import type { MediaKind, OutputMime } from '../media/types';
import { MAX_MESSAGE_BODY_CHARS } from '../sms/segments';
import { analyzeTemplate, templateLengthFacts, templateVariableUses } from '../template';
import type { FlowEdge, FlowGraph, FlowNode } from './graph';
import { AUTO_WINNER_MIN_SENDS, durationMs, nodeDefinitions, portsOf, unaryOperators, type PortDefinition, type SplitNodeConfig } from './nodes';
import { complianceCodes, complianceIssues, type ComplianceFacts, type IssueFix } from './compliance';
import type { FlowSettings } from '../flow/settings';

/**
 * The one place flow rules live. The canvas shows these as badges, publish refuses while any
 * error remains, and the engine refuses to run a graph with errors. Tests assert codes.
 */
export const issueCodes = [
  'FLOW_EMPTY',
  'FLOW_NO_TRIGGER',
  'FLOW_MULTIPLE_TRIGGERS',
  'NODE_DUPLICATE_ID',
  'NODE_UNREACHABLE',
  'PORT_UNCONNECTED',
  'PORT_MULTIPLE_EDGES',
  'EDGE_DANGLING',
  'EDGE_UNKNOWN_PORT',
  'EDGE_INTO_TRIGGER',
  'EDGE_SELF_LOOP',
  'CYCLE_WITHOUT_WAIT',
  'TRIGGER_INCOMPLETE',
  'WAIT_INVALID',
  'MESSAGE_BODY_EMPTY',
  'MMS_FALLBACK_UNCONNECTED',
  'TEMPLATE_SYNTAX',
  'BODY_TOO_LONG',
  'BODY_MAY_BE_TOO_LONG',
  'BRANCH_NO_CONDITIONS',
  'BRANCH_WITHOUT_ELSE',
  'BRANCH_CONDITION_INCOMPLETE',
  'BRANCH_DUPLICATE_CONDITION',
  'EVENT_NAME_HAS_SPACES',
  'SPLIT_WEIGHTS_NOT_100',
  'SPLIT_DUPLICATE_VARIANT',
  'SPLIT_AUTO_WINNER_NEEDS_TWO_VARIANTS',
  'SPLIT_AUTO_WINNER_TOO_FEW_SENDS',
  'SPLIT_AUTO_WINNER_DATE_INVALID',
  // Compliance (warnings), checked when validateFlow is given the flow's settings: src/shared/graph/compliance.ts.
  ...complianceCodes,
  // Checked only when validateFlow is given a ValidationContext (what the library and contacts hold).
  'MMS_MEDIA_MISSING',
  'MMS_MEDIA_OVER_BUDGET',
  'MMS_MEDIA_UNSUPPORTED',
  'MMS_FALLBACK_BODY_EMPTY',
  'TEMPLATE_UNKNOWN_VARIABLE',
] as const;
export type IssueCode = (typeof issueCodes)[number];

/**
 * Errors that refuse a publish but do not stop a version published before the rule existed: the
 * engine runs such a version as it always did rather than stranding the contacts inside it.
 */
export const publishOnlyCodes: ReadonlySet<IssueCode> = new Set(['EVENT_NAME_HAS_SPACES']);
export type IssueSeverity = 'error' | 'warning';

export interface FlowIssue {
  code: IssueCode;
  severity: IssueSeverity;
  message: string;
  nodeId?: NodeId;
  edgeId?: EdgeId;
  /** The output port the issue is about, when it is about one. */
  port?: string;
  /** A change the editor can make to resolve it (the Problems panel offers it as a button). */
  fix?: IssueFix;
}

export interface FlowValidation {
  issues: FlowIssue[];
  hasErrors: boolean;
}

/** What the media library knows about one asset, as far as validation needs it. */
export interface MediaFacts {
  name: string;
  kind: MediaKind;
  /** Renditions made so far, per profile; a profile without one is not judged yet. */
  renditions: Partial<Record<ProfileId, { bytes: number; mime: OutputMime }>>;
  /** Profiles the pipeline could not render for, with its error code (MEDIA_OVER_BUDGET: nothing fits). */
  refusals?: Partial<Record<ProfileId, string>>;
}

/**
 * Facts from outside the graph. Without a context validateFlow checks the graph alone (as the
 * server does on save); with one it also checks media and personalisation against them:
 * - `media`: every asset in the library. An MMS pointing elsewhere is MMS_MEDIA_MISSING; its
 *   rendition for `profileId` (default `mms-default`, what a send uses) must be a type the
 *   profile accepts (MMS_MEDIA_UNSUPPORTED) and fit its budget (MMS_MEDIA_OVER_BUDGET).
 * - `contactAttributes`: the attribute names contacts carry. A Liquid variable outside them is
 *   TEMPLATE_UNKNOWN_VARIABLE (warning) unless every use has a `default` filter: then the
 *   recipient reads the default, which is the author's stated intent, so nothing is reported.
 * - MMS_FALLBACK_BODY_EMPTY (warning) is checked whenever a context is given: the fallback
 *   output is wired but no SMS step follows it, so contacts without MMS get no text. A fallback
 *   SMS with an empty body is not reported again: MESSAGE_BODY_EMPTY already covers it.
 */
export interface ValidationContext extends ComplianceFacts {
  media?: ReadonlyMap<string, MediaFacts>;
  contactAttributes?: readonly string[];
  profileId?: ProfileId;
  /**
   * The flow's settings: with them, the compliance checks run too (quiet hours, HELP, opt-out
   * wording), and those whose workspace or database fact (ComplianceFacts) is given.
   */
  settings?: FlowSettings;
}

export function validateFlow(graph: FlowGraph, context?: ValidationContext): FlowValidation {
  const issues: FlowIssue[] = [];
  const report = (issue: FlowIssue): void => {
    issues.push(issue);
  };

  if (graph.nodes.length === 0) {
    report({ code: 'FLOW_EMPTY', severity: 'error', message: 'The flow is empty: add a trigger to start.' });
    return finish(issues);
  }

  const nodesById = new Map<NodeId, FlowNode>();
  for (const node of graph.nodes) {
    if (nodesById.has(node.id)) {
      report({ code: 'NODE_DUPLICATE_ID', severity: 'error', nodeId: node.id, message: `Two nodes share the id "${node.id}".` });
    }
    nodesById.set(node.id, node);
  }

  const portsByNode = new Map<NodeId, PortDefinition[]>();
  for (const node of nodesById.values()) portsByNode.set(node.id, portsOf(node.kind, node.config));

  // ---- edges
  const outgoing = new Map<NodeId, Map<string, EdgeId[]>>();
  const successors = new Map<NodeId, NodeId[]>();
  for (const edge of graph.edges) {
    const source = nodesById.get(edge.source);
    const target = nodesById.get(edge.target);
    if (!source || !target) {
      report({
        code: 'EDGE_DANGLING',
        severity: 'error',
        edgeId: edge.id,
        message: `Connection ${edge.id} points to a node that no longer exists.`,
      });
      continue;
    }
    if (!portsByNode.get(source.id)?.some((p) => p.id === edge.sourcePort)) {
      report({
        code: 'EDGE_UNKNOWN_PORT',
        severity: 'error',
        edgeId: edge.id,
        nodeId: source.id,
        message: `${describe(source)} has no output "${edge.sourcePort}" any more; reconnect or delete this connection.`,
      });
      continue;
    }
    if (!nodeDefinitions[target.kind].hasInput) {
      report({
        code: 'EDGE_INTO_TRIGGER',
        severity: 'error',
        edgeId: edge.id,
        nodeId: target.id,
        message: `${describe(target)} starts the flow and cannot receive contacts from another step.`,
      });
      continue;
    }
    if (edge.source === edge.target) {
      report({ code: 'EDGE_SELF_LOOP', severity: 'error', edgeId: edge.id, nodeId: source.id, message: `${describe(source)} is connected to itself.` });
      continue;
    }
    const byPort = outgoing.get(source.id) ?? new Map<string, EdgeId[]>();
    outgoing.set(source.id, byPort);
    const list = byPort.get(edge.sourcePort) ?? [];
    list.push(edge.id);
    byPort.set(edge.sourcePort, list);
    successors.set(source.id, [...(successors.get(source.id) ?? []), target.id]);
  }

  // ---- triggers and reachability
  const triggers = graph.nodes.filter((n) => n.kind === 'trigger');
  if (triggers.length === 0) {
    report({ code: 'FLOW_NO_TRIGGER', severity: 'error', message: 'Add a trigger: it decides who enters the flow.' });
  } else if (triggers.length > 1) {
    for (const trigger of triggers.slice(1)) {
      report({
        code: 'FLOW_MULTIPLE_TRIGGERS',
        severity: 'error',
        nodeId: trigger.id,
        message: 'A flow has exactly one trigger; remove this one or move it into its own flow.',
      });
    }
  }
  if (triggers.length > 0) {
    const reached = new Set<NodeId>();
    const stack: NodeId[] = triggers.map((t) => t.id);
    while (stack.length > 0) {
      const id = stack.pop() as NodeId;
      if (reached.has(id)) continue;
      reached.add(id);
      for (const next of successors.get(id) ?? []) stack.push(next);
    }
    for (const node of nodesById.values()) {
      if (!reached.has(node.id)) {
        report({
          code: 'NODE_UNREACHABLE',
          severity: 'warning',
          nodeId: node.id,
          message: `${describe(node)} is not connected to the trigger, so no contact will reach it.`,
        });
      }
    }
  }

  // ---- ports
  for (const node of nodesById.values()) {
    const byPort = outgoing.get(node.id);
    for (const port of portsByNode.get(node.id) ?? []) {
      const edges = byPort?.get(port.id) ?? [];
      if (edges.length > 1) {
        for (const edgeId of edges.slice(1)) {
          report({
            code: 'PORT_MULTIPLE_EDGES',
            severity: 'error',
            nodeId: node.id,
            edgeId,
            port: port.id,
            message: `The "${port.label}" output of ${describe(node)} has more than one connection; a contact can only take one.`,
          });
        }
      }
      if (edges.length > 0) continue;
      if (node.kind === 'branch' && port.id === 'else') {
        report({
          code: 'BRANCH_WITHOUT_ELSE',
          severity: 'error',
          nodeId: node.id,
          port: port.id,
          message: `${describe(node)} needs an "Else" path for contacts that match no condition.`,
        });
      } else if (node.kind === 'mms' && port.id === 'fallback') {
        report({
          code: 'MMS_FALLBACK_UNCONNECTED',
          severity: 'warning',
          nodeId: node.id,
          port: port.id,
          message: `${describe(node)} has no SMS fallback: contacts whose phones cannot take MMS will get nothing.`,
        });
      } else if (port.isRequired) {
        report({
          code: 'PORT_UNCONNECTED',
          severity: 'error',
          nodeId: node.id,
          port: port.id,
          message: `Connect the "${port.label}" output of ${describe(node)}.`,
        });
      }
    }
  }

  // ---- per-kind rules
  for (const node of nodesById.values()) validateNode(node, report);
  for (const node of nodesById.values()) for (const issue of eventNameIssues(node)) report(issue);
  const goalEvent = context?.settings?.goalEvent ?? '';
  if (hasSpaces(goalEvent)) {
    report({ code: 'EVENT_NAME_HAS_SPACES', severity: 'error', message: `The flow's goal event ${spacedEventName(goalEvent)}` });
  }
  if (context) validateWithContext(graph.edges, nodesById, successors, outgoing, context, report);
  if (context?.settings) for (const issue of complianceIssues(nodesById, successors, context.settings, context)) report(issue);

  // ---- cycles must pass through a wait, or a contact would loop without time passing
  for (const cycle of instantCycles(nodesById, successors)) {
    report({
      code: 'CYCLE_WITHOUT_WAIT',
      severity: 'error',
      nodeId: cycle,
      message: `${describe(nodesById.get(cycle) as FlowNode)} is part of a loop with no Wait step; contacts would loop instantly.`,
    });
  }

  return finish(issues);
}

function finish(issues: FlowIssue[]): FlowValidation {
  return { issues, hasErrors: issues.some((i) => i.severity === 'error') };
}

function describe(node: FlowNode): string {
  const label = node.label?.trim();
  return label ? `"${label}"` : `the ${nodeDefinitions[node.kind].label} step`;
}

/**
 * Event names are identifiers ("added_to_cart"): an event sent as "added_to_cart" never matches a
 * step waiting for "added to cart". The editor's fields turn spaces into underscores as you type;
 * a flow that arrives another way (a file, the CLI, the API) is told here, and cannot be published.
 */
function eventNameIssues(node: FlowNode): FlowIssue[] {
  const nodeId = node.id;
  const issue = (field: string, name: string, port?: string): FlowIssue => ({
    code: 'EVENT_NAME_HAS_SPACES',
    severity: 'error',
    nodeId,
    ...(port ? { port } : {}),
    message: `${field} of ${describe(node)} ${spacedEventName(name)}`,
  });
  if (node.kind === 'trigger' && node.config.type === 'event' && hasSpaces(node.config.event)) return [issue('The event name', node.config.event)];
  if (node.kind === 'wait' && node.config.type === 'event' && hasSpaces(node.config.event)) return [issue('The event to wait for', node.config.event)];
  if (node.kind !== 'branch') return [];
  return node.config.conditions
    .filter((condition) => condition.subject === 'event_since_entry' && hasSpaces(condition.name))
    .map((condition) => issue(`The event of condition "${condition.label || condition.id}"`, condition.name, condition.id));
}

const hasSpaces = (eventName: string): boolean => /\s/.test(eventName.trim());

function spacedEventName(name: string): string {
  const trimmed = name.trim();
  return `("${trimmed}") has spaces, which event names never have: write "${trimmed.replace(/\s+/g, '_')}".`;
}

function validateNode(node: FlowNode, report: (issue: FlowIssue) => void): void {
  const nodeId = node.id;
  const checkTemplate = (source: string, field: string): void => {
    const analysis = analyzeTemplate(source);
    if (!analysis.isValid) {
      report({ code: 'TEMPLATE_SYNTAX', severity: 'error', nodeId, message: `The ${field} of ${describe(node)} has a template error: ${analysis.message}` });
    }
  };
  // A rendered body over the send limit is never sent (the engine stops it: BODY_TOO_LONG).
  const checkLength = (source: string): void => {
    const facts = templateLengthFacts(source);
    const limit = MAX_MESSAGE_BODY_CHARS.toLocaleString('en-US');
    if (facts.fixedChars > MAX_MESSAGE_BODY_CHARS) {
      report({
        code: 'BODY_TOO_LONG',
        severity: 'error',
        nodeId,
        message: `The message of ${describe(node)} has ${facts.fixedChars.toLocaleString('en-US')} characters of text; a message may have at most ${limit}, so it would never be sent.`,
      });
    } else if (facts.hasLoop || facts.literalChars > MAX_MESSAGE_BODY_CHARS) {
      report({
        code: 'BODY_MAY_BE_TOO_LONG',
        severity: 'warning',
        nodeId,
        message: `The message of ${describe(node)} ${facts.hasLoop ? 'repeats text in a loop' : 'has long alternative texts'}: for some contacts it may pass ${limit} characters, and such a message is not sent.`,
      });
    }
  };
  switch (node.kind) {
    case 'trigger': {
      const c = node.config;
      const missing =
        (c.type === 'event' && !c.event.trim() && 'an event name') ||
        (c.type === 'segment_entered' && !c.segment.trim() && 'a segment') ||
        (c.type === 'date_attribute' && !c.attribute.trim() && 'a date attribute') ||
        (c.type === 'keyword' && !c.keywords.some((k) => k.trim()) && 'at least one keyword');
      if (missing) report({ code: 'TRIGGER_INCOMPLETE', severity: 'error', nodeId, message: `The trigger needs ${missing}.` });
      return;
    }
    case 'wait': {
      const c = node.config;
      if (c.type === 'duration' && durationMs(c.amount, c.unit) <= 0) {
        report({ code: 'WAIT_INVALID', severity: 'error', nodeId, message: `${describe(node)} must wait longer than zero.` });
      } else if (c.type === 'window' && (c.days.length === 0 || c.start === c.end)) {
        report({ code: 'WAIT_INVALID', severity: 'error', nodeId, message: `${describe(node)} needs at least one day and a window that is not empty.` });
      } else if (c.type === 'event' && (!c.event.trim() || durationMs(c.timeoutAmount, c.timeoutUnit) <= 0)) {
        report({ code: 'WAIT_INVALID', severity: 'error', nodeId, message: `${describe(node)} needs an event name and a timeout longer than zero.` });
      }
      return;
    }
    case 'mms': {
      if (!node.config.body.trim() && !node.config.mediaAssetId) {
        report({ code: 'MESSAGE_BODY_EMPTY', severity: 'error', nodeId, message: `${describe(node)} has neither media nor text.` });
      }
      checkTemplate(node.config.body, 'message');
      checkTemplate(node.config.subject, 'subject');
      checkLength(node.config.body);
      return;
    }
    case 'sms': {
      if (!node.config.body.trim()) {
        report({ code: 'MESSAGE_BODY_EMPTY', severity: 'error', nodeId, message: `${describe(node)} has no text.` });
      }
      checkTemplate(node.config.body, 'message');
      checkLength(node.config.body);
      return;
    }
    case 'branch': {
      const { conditions } = node.config;
      if (conditions.length === 0) {
        report({ code: 'BRANCH_NO_CONDITIONS', severity: 'error', nodeId, message: `${describe(node)} has no conditions; add one or replace it with a direct connection.` });
      }
      const seen = new Set<string>();
      for (const condition of conditions) {
        if (seen.has(condition.id)) {
          report({ code: 'BRANCH_DUPLICATE_CONDITION', severity: 'error', nodeId, port: condition.id, message: `Two conditions of ${describe(node)} share the id "${condition.id}".` });
        }
        seen.add(condition.id);
        const needsName = condition.subject !== 'mms_capable';
        const needsValue = condition.subject === 'attribute' && !unaryOperators.has(condition.operator);
        if ((needsName && !condition.name.trim()) || (needsValue && !condition.value.trim())) {
          report({
            code: 'BRANCH_CONDITION_INCOMPLETE',
            severity: 'error',
            nodeId,
            port: condition.id,
            message: `Condition "${condition.label || condition.id}" of ${describe(node)} is incomplete.`,
          });
        }
      }
      return;
    }
    case 'split': {
      const { variants } = node.config;
      const total = variants.reduce((sum, v) => sum + v.weight, 0);
      if (Math.abs(total - 100) > 1e-9) {
        report({ code: 'SPLIT_WEIGHTS_NOT_100', severity: 'error', nodeId, message: `The weights of ${describe(node)} add up to ${round(total)} %, not 100 %.` });
      }
      const seen = new Set<string>();
      for (const variant of variants) {
        if (seen.has(variant.id)) {
          report({ code: 'SPLIT_DUPLICATE_VARIANT', severity: 'error', nodeId, port: variant.id, message: `Two variants of ${describe(node)} share the id "${variant.id}".` });
        }
        seen.add(variant.id);
      }
      validateAutoWinner(node.config, describe(node), (code, message) => report({ code, severity: 'error', nodeId, message }));
      return;
    }
    case 'exit':
      return;
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

function validateAutoWinner(
  config: SplitNodeConfig,
  name: string,
  report: (code: 'SPLIT_AUTO_WINNER_NEEDS_TWO_VARIANTS' | 'SPLIT_AUTO_WINNER_TOO_FEW_SENDS' | 'SPLIT_AUTO_WINNER_DATE_INVALID', message: string) => void,
): void {
  const auto = config.autoWinner;
  if (!auto || auto.when === 'off') return;
  if (config.variants.filter((v) => !v.isHoldout).length < 2) {
    report('SPLIT_AUTO_WINNER_NEEDS_TWO_VARIANTS', `The auto-winner of ${name} needs at least two variants that are not holdouts.`);
  }
  if (auto.when === 'sends' && auto.sendsPerVariant < AUTO_WINNER_MIN_SENDS) {
    report('SPLIT_AUTO_WINNER_TOO_FEW_SENDS', `The auto-winner of ${name} decides after ${auto.sendsPerVariant} sends per variant; at least ${AUTO_WINNER_MIN_SENDS} are needed for a fair comparison.`);
  }
  if (auto.when === 'date' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(auto.date)) {
    report('SPLIT_AUTO_WINNER_DATE_INVALID', `The auto-winner of ${name} needs a date and time to decide at.`);
  } else if (auto.when === 'date' && Number.isNaN(Date.parse(auto.date))) {
    report('SPLIT_AUTO_WINNER_DATE_INVALID', `The auto-winner date of ${name} (${auto.date}) is not a real date.`);
  }
}

/** Phone is always in a contact's Liquid scope (the engine adds it beside the attributes). */
const ALWAYS_KNOWN_VARIABLES = ['phone'];

function validateWithContext(
  edges: readonly FlowEdge[],
  nodesById: Map<NodeId, FlowNode>,
  successors: Map<NodeId, NodeId[]>,
  outgoing: Map<NodeId, Map<string, EdgeId[]>>,
  context: ValidationContext,
  report: (issue: FlowIssue) => void,
): void {
  const profile = getProfile(context.profileId ?? DEFAULT_PROFILE_ID);
  const known = context.contactAttributes ? new Set([...context.contactAttributes, ...ALWAYS_KNOWN_VARIABLES]) : null;
  for (const node of nodesById.values()) {
    const nodeId = node.id;
    if (known && (node.kind === 'mms' || node.kind === 'sms')) {
      const sources = node.kind === 'mms' ? [node.config.subject, node.config.body] : [node.config.body];
      const unknown = new Set<string>();
      for (const source of sources) {
        for (const use of templateVariableUses(source) ?? []) if (!use.hasDefault && !known.has(use.name)) unknown.add(use.name);
      }
      if (unknown.size > 0) {
        const names = [...unknown].map((name) => `{{ ${name} }}`).join(', ');
        report({
          code: 'TEMPLATE_UNKNOWN_VARIABLE',
          severity: 'warning',
          nodeId,
          message: `${describe(node)} uses ${names}, which contacts do not have: it will print nothing. Check the spelling or add a default, e.g. {{ ${[...unknown][0]} | default: "…" }}.`,
        });
      }
    }
    if (node.kind !== 'mms') continue;
    const assetId = node.config.mediaAssetId;
    if (assetId && context.media) {
      const facts = context.media.get(assetId);
      if (!facts) {
        report({
          code: 'MMS_MEDIA_MISSING',
          severity: 'error',
          nodeId,
          message: `The media of ${describe(node)} is no longer in the library; pick another or import it again.`,
        });
      } else {
        checkMediaFits(node, facts, profile, report);
      }
    }
    const fallbackEdges = new Set(outgoing.get(nodeId)?.get('fallback') ?? []);
    const fallbackTargets = edges.filter((edge) => fallbackEdges.has(edge.id)).map((edge) => edge.target);
    if (fallbackTargets.length > 0 && !reachesSms(fallbackTargets, nodesById, successors)) {
      report({
        code: 'MMS_FALLBACK_BODY_EMPTY',
        severity: 'warning',
        nodeId,
        port: 'fallback',
        message: `The fallback of ${describe(node)} sends no text: lead it to an SMS step so contacts without MMS still hear from you.`,
      });
    }
  }
}

function checkMediaFits(node: FlowNode, facts: MediaFacts, profile: TargetProfile, report: (issue: FlowIssue) => void): void {
  const rendition = facts.renditions[profile.id];
  const refusal = facts.refusals?.[profile.id];
  if (refusal) {
    const isOverBudget = refusal === 'MEDIA_OVER_BUDGET';
    report({
      code: isOverBudget ? 'MMS_MEDIA_OVER_BUDGET' : 'MMS_MEDIA_UNSUPPORTED',
      severity: 'error',
      nodeId: node.id,
      message: isOverBudget
        ? `The media of ${describe(node)} cannot be made to fit the ${kb(profile.budgetBytes)} that ${profile.label} allows; use a smaller or shorter file.`
        : `The media of ${describe(node)} cannot be prepared for ${profile.label} (${refusal}).`,
    });
    return;
  }
  const isVideoRefused = facts.kind === 'video' && !profile.accepts.includes('video/mp4');
  if (isVideoRefused || (rendition && !profile.accepts.includes(rendition.mime))) {
    const type = rendition?.mime ?? 'video';
    report({
      code: 'MMS_MEDIA_UNSUPPORTED',
      severity: 'error',
      nodeId: node.id,
      message: `${describe(node)} sends ${type}, which ${profile.label} does not accept (it takes ${profile.accepts.join(', ')}).`,
    });
    return;
  }
  if (rendition && rendition.bytes > profile.budgetBytes) {
    report({
      code: 'MMS_MEDIA_OVER_BUDGET',
      severity: 'error',
      nodeId: node.id,
      message: `The media of ${describe(node)} is ${kb(rendition.bytes)} even after optimising, over the ${kb(profile.budgetBytes)} that ${profile.label} allows; carriers would refuse it. Use a smaller or shorter file.`,
    });
  }
}

const kb = (bytes: number): string => `${Math.round(bytes / 1000)} KB`;

/** Whether some path from the fallback targets reaches an SMS step before another MMS or the end. */
function reachesSms(fallbackTargets: readonly NodeId[], nodesById: Map<NodeId, FlowNode>, successors: Map<NodeId, NodeId[]>): boolean {
  const seen = new Set<NodeId>();
  const stack = [...fallbackTargets];
  while (stack.length > 0) {
    const id = stack.pop() as NodeId;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodesById.get(id);
    if (!node || node.kind === 'mms') continue;
    if (node.kind === 'sms') return true;
    for (const next of successors.get(id) ?? []) stack.push(next);
  }
  return false;
}

/** Nodes on a cycle that contains no delay node (Tarjan's strongly connected components). */
function instantCycles(nodesById: Map<NodeId, FlowNode>, successors: Map<NodeId, NodeId[]>): NodeId[] {
  let index = 0;
  const indexOf = new Map<NodeId, number>();
  const low = new Map<NodeId, number>();
  const onStack = new Set<NodeId>();
  const stack: NodeId[] = [];
  const offenders: NodeId[] = [];

  // Iterative Tarjan so a 5,000-node chain cannot overflow the call stack.
  for (const start of nodesById.keys()) {
    if (indexOf.has(start)) continue;
    const work: Array<{ id: NodeId; next: number }> = [{ id: start, next: 0 }];
    indexOf.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: NodeId; next: number };
      const children = successors.get(frame.id) ?? [];
      if (frame.next < children.length) {
        const child = children[frame.next++] as NodeId;
        if (!indexOf.has(child)) {
          indexOf.set(child, index);
          low.set(child, index++);
          stack.push(child);
          onStack.add(child);
          work.push({ id: child, next: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.id, Math.min(low.get(frame.id) as number, indexOf.get(child) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) === indexOf.get(frame.id)) {
        const component: NodeId[] = [];
        let member: NodeId;
        do {
          member = stack.pop() as NodeId;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1 && !component.some((id) => nodeDefinitions[(nodesById.get(id) as FlowNode).kind].isDelay)) {
          offenders.push(...component);
        }
      }
    }
  }
  return offenders;
}
