import { DEFAULT_HELP_REPLY, type FlowSettings } from '../flow/settings';
import type { NodeId } from '../ids';
import type { FlowNode } from './graph';

/**
 * Checks of a flow against what carriers and the TCPA expect of marketing texts (see DOMAIN.md,
 * "Consent and compliance"). All are warnings: they name a risk, they do not block publishing.
 */
export const complianceCodes = ['FIRST_MESSAGE_NO_OPT_OUT', 'QUIET_HOURS_OFF', 'QUIET_HOURS_STRICT_STATES', 'HELP_REPLY_GENERIC'] as const;
export type ComplianceCode = (typeof complianceCodes)[number];

export interface ComplianceIssue {
  code: ComplianceCode;
  severity: 'warning';
  nodeId?: NodeId;
  message: string;
}

const OPT_OUT_WORD = /\b(STOP|UNSUBSCRIBE|OPTOUT|END|CANCEL|QUIT)\b/i;
const STRICT_START = 20 * 60;
const STRICT_END = 8 * 60;

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** The first message steps a contact can reach from the trigger without passing another message. */
export function firstMessages(triggerId: NodeId, nodesById: ReadonlyMap<NodeId, FlowNode>, successors: ReadonlyMap<NodeId, readonly NodeId[]>): FlowNode[] {
  const found: FlowNode[] = [];
  const seen = new Set<NodeId>([triggerId]);
  const stack = [...(successors.get(triggerId) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop() as NodeId;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodesById.get(id);
    if (!node) continue;
    if (node.kind === 'sms' || node.kind === 'mms') found.push(node);
    else stack.push(...(successors.get(id) ?? []));
  }
  return found;
}

export function complianceIssues(
  nodesById: ReadonlyMap<NodeId, FlowNode>,
  successors: ReadonlyMap<NodeId, readonly NodeId[]>,
  settings: FlowSettings | undefined,
): ComplianceIssue[] {
  const issues: ComplianceIssue[] = [];
  const trigger = [...nodesById.values()].find((n) => n.kind === 'trigger');
  if (trigger) {
    for (const node of firstMessages(trigger.id, nodesById, successors)) {
      const body = node.kind === 'sms' || node.kind === 'mms' ? node.config.body : '';
      if (!OPT_OUT_WORD.test(body)) {
        issues.push({
          code: 'FIRST_MESSAGE_NO_OPT_OUT',
          severity: 'warning',
          nodeId: node.id,
          message: `The first message a contact can get (${node.label || node.id}) does not say how to opt out: add "Reply STOP to opt out".`,
        });
      }
    }
  }
  if (!settings) return issues;
  const quiet = settings.quietHours;
  if (!quiet.isEnabled) {
    issues.push({
      code: 'QUIET_HOURS_OFF',
      severity: 'warning',
      message: 'Quiet hours are off: messages can reach contacts at night. The federal rule allows 8:00–21:00 in the recipient’s time zone.',
    });
  } else {
    // Every quarter hour from 20:00 to 08:00 must be quiet for Florida and Oklahoma numbers.
    const start = minutes(quiet.start);
    const end = minutes(quiet.end);
    const isQuiet = (m: number): boolean => (start < end ? m >= start && m < end : start > end ? m >= start || m < end : false);
    let open: number | null = null;
    for (let m = STRICT_START; m !== STRICT_END; m = (m + 15) % 1440) {
      if (!isQuiet(m)) {
        open = m;
        break;
      }
    }
    const cap = settings.frequencyCap;
    const capTooHigh = !cap.isEnabled || (cap.maxMessages > 3 && cap.perHours <= 24);
    if (open !== null || capTooHigh) {
      const reasons = [
        open !== null ? `sends can go out at ${String(Math.floor(open / 60)).padStart(2, '0')}:${String(open % 60).padStart(2, '0')} recipient time (quiet hours ${quiet.start}–${quiet.end}; make them 20:00–08:00)` : null,
        capTooHigh ? 'more than 3 messages in 24 hours can reach one contact (set the frequency cap to 3 per 24 hours)' : null,
      ].filter(Boolean);
      issues.push({
        code: 'QUIET_HOURS_STRICT_STATES',
        severity: 'warning',
        message: `Florida and Oklahoma numbers (presumed by area code) allow marketing texts only 8:00–20:00 and at most 3 in 24 hours: ${reasons.join('; ')}.`,
      });
    }
  }
  const help = settings.helpReply.trim();
  if (!help || help === DEFAULT_HELP_REPLY) {
    issues.push({
      code: 'HELP_REPLY_GENERIC',
      severity: 'warning',
      message: 'HELP gets Postcard’s generic answer: write the flow’s own, naming your brand, how often messages come and how to stop.',
    });
  }
  return issues;
}
