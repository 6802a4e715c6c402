import type { Channel } from '../engine/types';
import { DEFAULT_HELP_REPLY, type FlowSettings } from '../flow/settings';
import type { NodeId } from '../ids';
import type { FlowNode } from './graph';

/**
 * Checks of a flow against what carriers and the TCPA expect of marketing texts (see DOMAIN.md,
 * "Consent and compliance"). Warnings name a risk and do not block publishing; MMS_ACCOUNT_NO_MMS
 * is an error (the account would refuse every MMS). Where the editor can mend the flow itself the
 * issue carries a `fix`, applied by the Problems panel with fixedBody / fixedSettings.
 */
export const complianceCodes = [
  'FIRST_MESSAGE_NO_OPT_OUT',
  'FIRST_MESSAGE_NO_BRAND',
  'QUIET_HOURS_OFF',
  'QUIET_HOURS_STRICT_STATES',
  'HELP_REPLY_GENERIC',
  'CONSENT_SOURCE_UNRECORDED',
  'MMS_ACCOUNT_NO_MMS',
] as const;
export type ComplianceCode = (typeof complianceCodes)[number];

/**
 * A change that resolves an issue, as data (the flow document stays serializable, the panel
 * applies it through the store so it is one undo step): text added to one message's body, or
 * flow settings replaced.
 */
export type IssueFix =
  | { type: 'prepend_body' | 'append_body'; label: string; nodeId: NodeId; text: string }
  | { type: 'settings'; label: string; settings: Partial<Pick<FlowSettings, 'quietHours' | 'frequencyCap' | 'helpReply'>> };

export interface ComplianceIssue {
  code: ComplianceCode;
  severity: 'warning' | 'error';
  nodeId?: NodeId;
  message: string;
  fix?: IssueFix;
}

/**
 * What the checks read beyond the flow: workspace and database facts. Each is optional; a check
 * whose fact is absent (the server's plain save, a test without it) is not run rather than guessed.
 */
export interface ComplianceFacts {
  /** The workspace's brand name (Settings → Workspace); '' when none is set. */
  brandName?: string;
  /** The sending accounts on this computer and the channels each carries, by account id. */
  sendingAccounts?: ReadonlyMap<string, { name: string; channels: readonly Channel[] }>;
  /** How many contacts the flow can reach now whose consent in force has no recorded source (counted in the database). */
  unrecordedConsentContacts?: number;
}

export const OPT_OUT_INSTRUCTION = 'Reply STOP to opt out.';

/** The body after a prepend/append fix: one space between the old text and the new, none doubled. */
export function fixedBody(body: string, fix: Extract<IssueFix, { nodeId: NodeId }>): string {
  if (fix.type === 'prepend_body') return body.trim() ? `${fix.text} ${body.trimStart()}` : fix.text;
  return body.trim() ? `${body.trimEnd()} ${fix.text}` : fix.text;
}

export function fixedSettings(settings: FlowSettings, fix: Extract<IssueFix, { type: 'settings' }>): FlowSettings {
  return { ...settings, ...fix.settings };
}

/** A HELP answer that says what CTIA asks for: the brand, how often, rates, how to stop. */
export const brandedHelpReply = (brand: string): string =>
  `${brand}: Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out, START to opt back in.`;

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

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function complianceIssues(
  nodesById: ReadonlyMap<NodeId, FlowNode>,
  successors: ReadonlyMap<NodeId, readonly NodeId[]>,
  settings: FlowSettings | undefined,
  facts: ComplianceFacts = {},
): ComplianceIssue[] {
  const issues: ComplianceIssue[] = [];
  const brand = facts.brandName?.trim();
  const trigger = [...nodesById.values()].find((n) => n.kind === 'trigger');
  if (trigger) {
    const first = firstMessages(trigger.id, nodesById, successors);
    for (const node of first) {
      const body = node.kind === 'sms' || node.kind === 'mms' ? node.config.body : '';
      const name = node.label || node.id;
      if (!OPT_OUT_WORD.test(body)) {
        issues.push({
          code: 'FIRST_MESSAGE_NO_OPT_OUT',
          severity: 'warning',
          nodeId: node.id,
          message: `The first message a contact can get (${name}) does not say how to opt out: add "Reply STOP to opt out".`,
          fix: { type: 'append_body', label: 'Add “Reply STOP to opt out.”', nodeId: node.id, text: OPT_OUT_INSTRUCTION },
        });
      }
      // Without the brand name set the check cannot tell; that case is one issue for the flow below.
      if (brand && !new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(brand)}($|[^\\p{L}\\p{N}])`, 'iu').test(body)) {
        issues.push({
          code: 'FIRST_MESSAGE_NO_BRAND',
          severity: 'warning',
          nodeId: node.id,
          message: `The first message a contact can get (${name}) does not name your brand, ${brand}: carriers expect every program's first text to say who is writing.`,
          fix: { type: 'prepend_body', label: `Start with “${brand}:”`, nodeId: node.id, text: `${brand}:` },
        });
      }
    }
    if (brand === '' && first.length > 0) {
      issues.push({
        code: 'FIRST_MESSAGE_NO_BRAND',
        severity: 'warning',
        message: 'No brand name is set (Settings → Workspace), so the first message cannot be checked for it: carriers expect every program’s first text to say who is writing.',
      });
    }
  }
  const mmsSteps = [...nodesById.values()].filter((node) => node.kind === 'mms');
  const account = settings?.sendingAccountId ? facts.sendingAccounts?.get(settings.sendingAccountId) : undefined;
  if (account && !account.channels.includes('mms')) {
    for (const node of mmsSteps) {
      issues.push({
        code: 'MMS_ACCOUNT_NO_MMS',
        severity: 'error',
        nodeId: node.id,
        message: `${node.label || node.id} is an MMS step, but the flow's sending account "${account.name}" does not carry MMS: allow MMS on it in Settings → Sending accounts, or use SMS steps.`,
      });
    }
  }
  if (facts.unrecordedConsentContacts !== undefined && facts.unrecordedConsentContacts > 0) {
    const count = facts.unrecordedConsentContacts;
    issues.push({
      code: 'CONSENT_SOURCE_UNRECORDED',
      severity: 'warning',
      message: `${count.toLocaleString('en-US')} contact${count === 1 ? '' : 's'} this flow can reach now ha${count === 1 ? 's' : 've'} consent with no recorded source (how and where they agreed): import it with a consent_source column, or they cannot be shown to have agreed.`,
    });
  }
  if (!settings) return issues;
  const quiet = settings.quietHours;
  if (!quiet.isEnabled) {
    issues.push({
      code: 'QUIET_HOURS_OFF',
      severity: 'warning',
      message: 'Quiet hours are off: messages can reach contacts at night. The federal rule allows 8:00–21:00 in the recipient’s time zone.',
      fix: { type: 'settings', label: `Turn quiet hours on (${quiet.start}–${quiet.end})`, settings: { quietHours: { ...quiet, isEnabled: true } } },
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
    const perDay = messagesIn24Hours(settings.frequencyCap);
    const capTooHigh = perDay > STRICT_MAX_PER_DAY;
    if (open !== null || capTooHigh) {
      const reasons = [
        open !== null ? `sends can go out at ${String(Math.floor(open / 60)).padStart(2, '0')}:${String(open % 60).padStart(2, '0')} recipient time (quiet hours ${quiet.start}–${quiet.end}; make them 20:00–08:00)` : null,
        capTooHigh
          ? `more than 3 messages in 24 hours can reach one contact (${perDay === Infinity ? 'there is no frequency cap' : `the frequency cap allows ${perDay}`}; set it to 3 per 24 hours)`
          : null,
      ].filter(Boolean);
      const fix: Extract<IssueFix, { type: 'settings' }>['settings'] = {};
      if (open !== null) fix.quietHours = { isEnabled: true, start: '20:00', end: '08:00' };
      if (capTooHigh) fix.frequencyCap = { isEnabled: true, maxMessages: 3, perHours: 24 };
      issues.push({
        code: 'QUIET_HOURS_STRICT_STATES',
        severity: 'warning',
        message: `Florida and Oklahoma numbers (presumed by area code) allow marketing texts only 8:00–20:00 and at most 3 in 24 hours: ${reasons.join('; ')}.`,
        fix: {
          type: 'settings',
          label: [open !== null ? 'Quiet hours 20:00–08:00' : '', capTooHigh ? 'at most 3 messages in 24 hours' : ''].filter(Boolean).join(', '),
          settings: fix,
        },
      });
    }
  }
  const help = settings.helpReply.trim();
  if (!help || help === DEFAULT_HELP_REPLY) {
    issues.push({
      code: 'HELP_REPLY_GENERIC',
      severity: 'warning',
      message: 'HELP gets Postcard’s generic answer: write the flow’s own, naming your brand, how often messages come and how to stop.',
      ...(brand ? { fix: { type: 'settings' as const, label: `Answer HELP as ${brand}`, settings: { helpReply: brandedHelpReply(brand) } } } : {}),
    });
  }
  return issues;
}

const STRICT_MAX_PER_DAY = 3;

/**
 * The most marketing messages the frequency cap lets reach one contact within any 24 hours.
 * The drain applies the cap as a sliding window (a send is refused when `maxMessages` were
 * accepted after now − perHours), so a full allowance can go out again exactly perHours after
 * the last one: bursts at 0, H, 2H, … of which ceil(24 / H) fall in a 24-hour span. A cap of
 * 2 per 12 hours therefore allows 4 a day, 4 per 48 hours allows 4.
 */
export function messagesIn24Hours(cap: FlowSettings['frequencyCap']): number {
  if (!cap.isEnabled) return Infinity;
  return cap.maxMessages * Math.ceil(24 / cap.perHours);
}
