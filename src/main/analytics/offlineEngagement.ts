import type Database from 'better-sqlite3';
import type { InboundMessage } from '../providers/types';
import { readGoals } from './derive';
import { recordClick, resolveLink } from './links';
import { AnalyticsService } from './service';
import { planEngagement, PREVIEW_USER_AGENT, SIMULATED_USER_AGENT } from './simulated';

/**
 * Offline mode: the recipients of the built-in simulator. When a live flow's message sent through
 * the simulator is delivered, they may tap its tracked link, buy and text back, at the rates of the
 * analytics settings (planEngagement, the same plan a dry-run uses). Each happens at its own time:
 * planned into simulated_engagement when the receipt is due, played out by the engine's tick when
 * due — a tap through the tracked-link path (resolveLink + recordClick, as GET /l/<code>), a
 * purchase as the flow's goal event, a reply through the engine's inbound path. All of it is
 * marked simulated: the taps' user agent, the events' `simulated` property, the reply's words.
 */

const BOOKMARK = 'simulated.live.receipts';
export const SIMULATED_REPLY = 'Thanks! (simulated reply)';

interface Delivered {
  id: number;
  idempotency_key: string;
  channel: 'sms' | 'mms';
  flow_id: string;
  receipt_at: number;
}

interface Due {
  id: number;
  kind: 'preview' | 'click' | 'order' | 'reply';
  due_at: number;
  value: number | null;
  message_id: number;
  idempotency_key: string;
  contact_id: number;
  flow_id: string | null;
  phone: string;
}

export class OfflineEngagement {
  constructor(
    private readonly sqlite: Database.Database,
    private readonly seed: number,
  ) {}

  /**
   * Plans for the simulator's receipts due by `now`, then plays out what is due; replies go to
   * `inbound` afterwards. Writes only when there is something to plan or play (it runs every tick).
   */
  run(now: number, inbound: (message: InboundMessage) => void): number {
    const raw = this.sqlite.prepare('SELECT value_json FROM analytics_settings WHERE key = ?').pluck().get(BOOKMARK) as string | undefined;
    if (raw === undefined) {
      // From the first run on: deliveries from before offline engagement existed are left as they were.
      this.setBookmark(now);
      return 0;
    }
    const after = Number(JSON.parse(raw));
    const delivered = this.sqlite
      .prepare(
        `SELECT m.id, m.idempotency_key, m.channel, m.flow_id, s.receipt_at FROM simulator_messages s JOIN messages m ON m.idempotency_key = s.idempotency_key
         WHERE s.receipt_at > ? AND s.receipt_at <= ? AND s.outcome = 'delivered' AND m.purpose = 'marketing' AND m.flow_id IS NOT NULL`,
      )
      .all(after, now) as Delivered[];
    if (delivered.length > 0) {
      const settings = new AnalyticsService(this.sqlite).settings().simulatedEngagement;
      this.sqlite.transaction(() => {
        if (settings.isEnabled) {
          const goals = new Set(readGoals(this.sqlite).map((g) => g.flowId));
          const insert = this.sqlite.prepare('INSERT INTO simulated_engagement (message_id, kind, due_at, value) VALUES (?, ?, ?, ?)');
          for (const m of delivered) {
            const plan = planEngagement(this.seed, m.idempotency_key, m.channel, m.receipt_at, settings, goals.has(m.flow_id));
            if (plan.previewAt !== null) insert.run(m.id, 'preview', plan.previewAt, null);
            if (plan.clickAt !== null) insert.run(m.id, 'click', plan.clickAt, null);
            if (plan.order) insert.run(m.id, 'order', plan.order.at, plan.order.value);
            if (plan.replyAt !== null) insert.run(m.id, 'reply', plan.replyAt, null);
          }
        }
        // Turned off, the receipts are still passed: turning it on later does not replay them.
        this.setBookmark(now);
      })();
    }
    const next = this.nextDueAt();
    if (next === null || next > now) return 0;
    const replies: InboundMessage[] = [];
    const done = this.sqlite.transaction(() => this.playDue(now, replies))();
    for (const reply of replies) inbound(reply);
    return done;
  }

  private setBookmark(at: number): void {
    this.sqlite
      .prepare('INSERT INTO analytics_settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json')
      .run(BOOKMARK, JSON.stringify(at));
  }

  nextDueAt(): number | null {
    return (this.sqlite.prepare('SELECT min(due_at) FROM simulated_engagement').pluck().get() as number | null) ?? null;
  }

  private playDue(now: number, replies: InboundMessage[]): number {
    const due = this.sqlite
      .prepare(
        `SELECT e.id, e.kind, e.due_at, e.value, m.id AS message_id, m.idempotency_key, m.contact_id, m.flow_id, c.phone
         FROM simulated_engagement e JOIN messages m ON m.id = e.message_id JOIN contacts c ON c.id = m.contact_id
         WHERE e.due_at <= ? ORDER BY e.due_at, e.id`,
      )
      .all(now) as Due[];
    if (due.length === 0) return 0;
    const goals = new Map(readGoals(this.sqlite).map((g) => [g.flowId, g]));
    const codeOf = this.sqlite.prepare('SELECT code FROM link_codes WHERE idempotency_key = ? ORDER BY rowid LIMIT 1').pluck();
    const insertEvent = this.sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, ?, ?)');
    for (const row of due) {
      if (row.kind === 'preview' || row.kind === 'click') {
        // Only a tracked link can be tapped and counted: a body without one (or tracking off) gets no click.
        const code = codeOf.get(row.idempotency_key) as string | undefined;
        const link = code ? resolveLink(this.sqlite, code) : null;
        if (link) recordClick(this.sqlite, { ...link.click, userAgent: row.kind === 'preview' ? PREVIEW_USER_AGENT : SIMULATED_USER_AGENT, at: row.due_at });
      } else if (row.kind === 'order') {
        const goal = row.flow_id === null ? undefined : goals.get(row.flow_id);
        if (goal) insertEvent.run(row.contact_id, goal.goal, JSON.stringify({ [goal.revenueProperty]: row.value, simulated: true }), row.due_at);
      } else {
        replies.push({ from: row.phone, body: SIMULATED_REPLY, at: row.due_at });
      }
    }
    this.sqlite.prepare('DELETE FROM simulated_engagement WHERE due_at <= ?').run(now);
    return due.length;
  }
}
