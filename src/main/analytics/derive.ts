import type Database from 'better-sqlite3';
import { attributeLastTouch, DAY_MS, MAX_ATTRIBUTION_DAYS, type Touch } from '../../shared/analytics/attribution';
import { revenueOf } from '../../shared/analytics/money';
import { FlowSettings } from '../../shared/flow/settings';
import type { Channel } from '../../shared/engine/types';
import { countryOf } from './country';

/**
 * Derivation: conversions and opt-out causes from the store's events, then the dirty (flow, day)
 * buckets of the daily aggregates recomputed whole from their rows. Every step is idempotent: a
 * bucket recomputed twice, or an event attributed twice, gives the same rows, so running this
 * after every tick, after a crash, or on a copy of the store always converges on the numbers a
 * rebuild from nothing would give (`rebuildAnalytics`).
 */

export interface GoalSetting {
  flowId: string;
  goal: string;
  windowDays: number;
  revenueProperty: string;
}

export interface RefreshReport {
  eventsAttributed: number;
  contactsReattributed: number;
  optOutsTraced: number;
  repliesTraced: number;
  bucketsRecomputed: number;
}

const NO_FLOW = '';
/** Replies and opt-outs are credited to a message the contact had no longer ago than this. */
const ENGAGEMENT_WINDOW_MS = 7 * DAY_MS;
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** Goal settings of every flow that has a goal event, read from the flows' current settings. */
export function readGoals(sqlite: Database.Database): GoalSetting[] {
  const goals: GoalSetting[] = [];
  for (const row of sqlite.prepare('SELECT id, settings_json AS json FROM flows').all() as Array<{ id: string; json: string }>) {
    let settings: FlowSettings;
    try {
      settings = FlowSettings.parse(JSON.parse(row.json));
    } catch {
      continue; // A damaged settings row is reported by the flows service, not here.
    }
    const goal = settings.goalEvent.trim();
    if (goal) goals.push({ flowId: row.id, goal, windowDays: settings.attributionDays, revenueProperty: settings.revenueProperty });
  }
  return goals;
}

function bookmark(sqlite: Database.Database, key: string): number {
  const row = sqlite.prepare('SELECT value_json FROM analytics_settings WHERE key = ?').pluck().get(key) as string | undefined;
  return row === undefined ? 0 : Number(JSON.parse(row));
}

function setBookmark(sqlite: Database.Database, key: string, value: number): void {
  sqlite.prepare('INSERT INTO analytics_settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json').run(key, JSON.stringify(value));
}

const markStatements = new WeakMap<Database.Database, Database.Statement>();

export function markDirty(sqlite: Database.Database, kind: 'messages' | 'engagement' | `split:${string}`, flowId: string | null, at: number): void {
  // Prepared once per connection: a derivation marks a bucket per attributed event (half a million in a rebuild).
  let mark = markStatements.get(sqlite);
  if (!mark) {
    mark = sqlite.prepare('INSERT OR IGNORE INTO analytics_dirty (kind, flow_id, day) VALUES (?, ?, ?)');
    markStatements.set(sqlite, mark);
  }
  mark.run(kind, flowId ?? NO_FLOW, dayOf(at));
}

export function refreshAnalytics(sqlite: Database.Database, options: { defaultCurrency?: string; batchSize?: number } = {}): RefreshReport {
  const report: RefreshReport = { eventsAttributed: 0, contactsReattributed: 0, optOutsTraced: 0, repliesTraced: 0, bucketsRecomputed: 0 };
  const currency = options.defaultCurrency ?? 'USD';
  const batchSize = options.batchSize ?? 5_000;
  const goals = readGoals(sqlite);
  const attributor = new Attributor(sqlite, goals, currency);

  // 1. Goal events appended since the last refresh (events are append-only; ids only grow).
  if (goals.length > 0) {
    const names = [...new Set(goals.map((g) => g.goal))];
    const select = sqlite.prepare(
      `SELECT id, contact_id, name, properties_json, occurred_at FROM events WHERE id > ? AND name IN (${names.map(() => '?').join(', ')}) ORDER BY id LIMIT ?`,
    );
    const maxId = sqlite.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
    for (;;) {
      const after = bookmark(sqlite, 'derived.events');
      const rows = select.all(after, ...names, batchSize) as EventRow[];
      sqlite.transaction(() => {
        for (const row of rows) attributor.attribute(row);
        const last = rows.length < batchSize ? (maxId.get() as number) : (rows[rows.length - 1] as EventRow).id;
        setBookmark(sqlite, 'derived.events', Math.max(after, last));
      })();
      report.eventsAttributed += rows.length;
      if (rows.length < batchSize) break;
    }
  } else {
    setBookmark(sqlite, 'derived.events', sqlite.prepare('SELECT coalesce(max(id), 0) FROM events').pluck().get() as number);
  }

  // 2. Contacts whose credited message failed late: their goal events are attributed again.
  sqlite.transaction(() => {
    const contacts = sqlite.prepare('SELECT contact_id FROM analytics_dirty_contacts').pluck().all() as number[];
    for (const contactId of contacts) attributor.reattributeContact(contactId);
    sqlite.prepare('DELETE FROM analytics_dirty_contacts').run();
    report.contactsReattributed = contacts.length;
  })();

  // 3. Opt-outs since the last refresh, each traced to the message before it.
  sqlite.transaction(() => {
    const after = bookmark(sqlite, 'derived.consent');
    const rows = sqlite
      .prepare(`SELECT id, contact_id, occurred_at FROM consent_events WHERE id > ? AND kind = 'opt_out' ORDER BY id`)
      .all(after) as Array<{ id: number; contact_id: number; occurred_at: number }>;
    const insert = sqlite.prepare(
      'INSERT OR REPLACE INTO opt_out_causes (consent_event_id, contact_id, message_id, flow_id, node_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const row of rows) {
      const cause = latestMessageBefore(sqlite, row.contact_id, row.occurred_at);
      insert.run(row.id, row.contact_id, cause?.id ?? null, cause?.flow_id ?? null, cause?.node_id ?? null, row.occurred_at);
      markDirty(sqlite, 'engagement', cause?.flow_id ?? null, row.occurred_at);
    }
    setBookmark(sqlite, 'derived.consent', Math.max(after, (sqlite.prepare('SELECT coalesce(max(id), 0) FROM consent_events').pluck().get() as number)));
    report.optOutsTraced = rows.length;
  })();

  // 4. Replies (texts that were not keywords, stored by the engine as message_received events).
  sqlite.transaction(() => {
    const after = bookmark(sqlite, 'derived.replies');
    const rows = sqlite
      .prepare(`SELECT id, contact_id, properties_json, occurred_at FROM events WHERE id > ? AND name = 'message_received' ORDER BY id`)
      .all(after) as Array<{ id: number; contact_id: number; properties_json: string; occurred_at: number }>;
    const insert = sqlite.prepare('INSERT OR REPLACE INTO replies (id, contact_id, message_id, flow_id, node_id, body, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const row of rows) {
      const cause = latestMessageBefore(sqlite, row.contact_id, row.occurred_at);
      let body = '';
      try {
        const parsed = JSON.parse(row.properties_json) as { body?: unknown };
        body = typeof parsed.body === 'string' ? parsed.body : '';
      } catch {
        // an unreadable reply still counts
      }
      insert.run(row.id, row.contact_id, cause?.id ?? null, cause?.flow_id ?? null, cause?.node_id ?? null, body, row.occurred_at);
      markDirty(sqlite, 'engagement', cause?.flow_id ?? null, row.occurred_at);
    }
    setBookmark(sqlite, 'derived.replies', Math.max(after, rows.length > 0 ? (rows[rows.length - 1] as { id: number }).id : after));
    report.repliesTraced = rows.length;
  })();

  // 5. Recompute every dirty bucket from its rows.
  report.bucketsRecomputed = recomputeDirty(sqlite);
  return report;
}

interface EventRow {
  id: number;
  contact_id: number;
  name: string;
  properties_json: string;
  occurred_at: number;
}

interface MessageRow {
  id: number;
  flow_id: string | null;
  node_id: string | null;
  channel: Channel;
  accepted_at: number;
  status: string;
}

export function latestMessageBefore(sqlite: Database.Database, contactId: number, at: number): MessageRow | undefined {
  return sqlite
    .prepare(
      `SELECT id, flow_id, node_id, channel, accepted_at, status FROM messages
       WHERE contact_id = ? AND accepted_at BETWEEN ? AND ? AND purpose = 'marketing' ORDER BY accepted_at DESC, id DESC LIMIT 1`,
    )
    .get(contactId, at - ENGAGEMENT_WINDOW_MS, at) as MessageRow | undefined;
}

class Attributor {
  private readonly byGoal = new Map<string, GoalSetting[]>();
  private readonly touches: Database.Statement;
  private readonly existing: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly assignments: Database.Statement;
  private readonly setConverted: Database.Statement;

  constructor(
    private readonly sqlite: Database.Database,
    goals: readonly GoalSetting[],
    private readonly defaultCurrency: string,
  ) {
    for (const goal of goals) this.byGoal.set(goal.goal, [...(this.byGoal.get(goal.goal) ?? []), goal]);
    this.touches = sqlite.prepare(
      `SELECT id, flow_id, node_id, channel, accepted_at, status FROM messages
       WHERE contact_id = ? AND accepted_at BETWEEN ? AND ? AND purpose = 'marketing'`,
    );
    this.existing = sqlite.prepare('SELECT flow_id, occurred_at FROM conversions WHERE event_id = ?');
    this.upsert = sqlite.prepare(
      `INSERT OR REPLACE INTO conversions (event_id, contact_id, goal, occurred_at, message_id, flow_id, node_id, channel, revenue, currency)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.assignments = sqlite.prepare(
      `SELECT enrollment_id, split_node_id, flow_id, assigned_at, converted_at FROM split_assignments
       WHERE contact_id = ? AND assigned_at BETWEEN ? AND ?`,
    );
    this.setConverted = sqlite.prepare(
      'UPDATE split_assignments SET converted_at = ?, revenue = ?, currency = ? WHERE enrollment_id = ? AND split_node_id = ?',
    );
  }

  attribute(event: EventRow): void {
    const goals = this.byGoal.get(event.name);
    if (!goals) return;
    const windowOf = new Map(goals.map((g) => [g.flowId, g.windowDays]));
    let properties: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(event.properties_json);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) properties = parsed as Record<string, unknown>;
    } catch {
      // Stored by the ingest, which validates JSON; a damaged row simply carries no revenue.
    }
    const revenue = revenueOf(properties, (goals[0] as GoalSetting).revenueProperty, this.defaultCurrency);
    const candidates: Touch[] = [];
    const rows = this.touches.all(event.contact_id, event.occurred_at - MAX_ATTRIBUTION_DAYS * DAY_MS, event.occurred_at) as MessageRow[];
    for (const row of rows) {
      const windowDays = row.flow_id === null ? undefined : windowOf.get(row.flow_id);
      if (windowDays === undefined) continue; // a flow with another goal earns nothing for this one
      candidates.push({
        messageId: row.id,
        flowId: row.flow_id,
        nodeId: row.node_id,
        channel: row.channel,
        sentAt: row.accepted_at,
        isReached: row.status !== 'failed' && row.status !== 'undelivered',
        windowDays,
      });
    }
    const credited = attributeLastTouch({ occurredAt: event.occurred_at }, candidates, MAX_ATTRIBUTION_DAYS);
    const before = this.existing.get(event.id) as { flow_id: string | null; occurred_at: number } | undefined;
    if (before) markDirty(this.sqlite, 'engagement', before.flow_id, before.occurred_at);
    this.upsert.run(
      event.id,
      event.contact_id,
      event.name,
      event.occurred_at,
      credited?.messageId ?? null,
      credited?.flowId ?? null,
      credited?.nodeId ?? null,
      credited?.channel ?? null,
      revenue?.amount ?? null,
      revenue?.currency ?? null,
    );
    markDirty(this.sqlite, 'engagement', credited?.flowId ?? null, event.occurred_at);

    // Split arms: the first goal event within the window after assignment converts the contact.
    for (const goal of goals) {
      const rows = this.assignments.all(event.contact_id, event.occurred_at - goal.windowDays * DAY_MS, event.occurred_at) as Array<{
        enrollment_id: number;
        split_node_id: string;
        flow_id: string;
        assigned_at: number;
        converted_at: number | null;
      }>;
      for (const row of rows) {
        if (row.flow_id !== goal.flowId || (row.converted_at !== null && row.converted_at <= event.occurred_at)) continue;
        this.setConverted.run(event.occurred_at, revenue?.amount ?? null, revenue?.currency ?? null, row.enrollment_id, row.split_node_id);
        markDirty(this.sqlite, `split:${row.split_node_id}`, row.flow_id, row.assigned_at);
      }
    }
  }

  reattributeContact(contactId: number): void {
    const names = [...this.byGoal.keys()];
    if (names.length === 0) return;
    const events = this.sqlite
      .prepare(
        `SELECT id, contact_id, name, properties_json, occurred_at FROM events
         WHERE contact_id = ? AND name IN (${names.map(() => '?').join(', ')}) AND id <= ? ORDER BY occurred_at, id`,
      )
      .all(contactId, ...names, bookmark(this.sqlite, 'derived.events')) as EventRow[];
    for (const event of events) this.attribute(event);
  }
}

/** Recompute every dirty bucket; returns how many. */
export function recomputeDirty(sqlite: Database.Database): number {
  const dirty = sqlite.prepare('SELECT kind, flow_id, day FROM analytics_dirty').all() as Array<{ kind: string; flow_id: string; day: number }>;
  const recompute = sqlite.transaction((bucket: { kind: string; flow_id: string; day: number }) => {
    if (bucket.kind === 'messages') recomputeMessages(sqlite, bucket.flow_id, bucket.day);
    else if (bucket.kind.startsWith('split:')) recomputeSplit(sqlite, bucket.flow_id, bucket.kind.slice('split:'.length), bucket.day);
    else recomputeEngagement(sqlite, bucket.flow_id, bucket.day);
    sqlite.prepare('DELETE FROM analytics_dirty WHERE kind = ? AND flow_id = ? AND day = ?').run(bucket.kind, bucket.flow_id, bucket.day);
  });
  ensureCountryFunction(sqlite);
  for (const bucket of dirty) recompute(bucket);
  return dirty.length;
}

const withCountry = new WeakSet<Database.Database>();
function ensureCountryFunction(sqlite: Database.Database): void {
  if (withCountry.has(sqlite)) return;
  sqlite.function('postcard_country', { deterministic: true }, (phone: unknown) => (typeof phone === 'string' ? countryOf(phone) : ''));
  withCountry.add(sqlite);
}

function recomputeMessages(sqlite: Database.Database, flowId: string, day: number): void {
  const from = day * DAY_MS;
  const to = from + DAY_MS;
  sqlite.prepare('DELETE FROM analytics_messages_daily WHERE flow_id = ? AND day = ?').run(flowId, day);
  sqlite.prepare('DELETE FROM analytics_failures_daily WHERE flow_id = ? AND day = ?').run(flowId, day);
  sqlite
    .prepare(
      `INSERT INTO analytics_messages_daily (flow_id, day, node_id, channel, country, queued, sent, delivered, failed, segments)
       SELECT m.flow_id, ?, coalesce(m.node_id, ''), m.channel, postcard_country(c.phone),
              count(*), count(m.accepted_at), sum(m.status = 'delivered'), sum(m.status IN ('failed', 'undelivered')),
              coalesce(sum(CASE WHEN m.accepted_at IS NOT NULL THEN m.segments END), 0)
       FROM messages m JOIN contacts c ON c.id = m.contact_id
       WHERE m.flow_id = ? AND m.created_at >= ? AND m.created_at < ? AND m.purpose = 'marketing'
       GROUP BY 3, 4, 5`,
    )
    .run(day, flowId, from, to);
  sqlite
    .prepare(
      `INSERT INTO analytics_failures_daily (flow_id, day, node_id, reason, count)
       SELECT flow_id, ?, coalesce(node_id, ''), coalesce(error_code, reason, status), count(*)
       FROM messages WHERE flow_id = ? AND created_at >= ? AND created_at < ? AND status IN ('failed', 'undelivered') AND purpose = 'marketing'
       GROUP BY 3, 4`,
    )
    .run(day, flowId, from, to);
}

function recomputeSplit(sqlite: Database.Database, flowId: string, splitNodeId: string, day: number): void {
  const from = day * DAY_MS;
  sqlite.prepare('DELETE FROM analytics_split_daily WHERE flow_id = ? AND split_node_id = ? AND day = ?').run(flowId, splitNodeId, day);
  sqlite
    .prepare(
      `INSERT INTO analytics_split_daily (flow_id, split_node_id, day, variant_id, currency, contacts, conversions, revenue)
       SELECT flow_id, split_node_id, ?, variant_id, coalesce(currency, ''), count(*), count(converted_at), coalesce(sum(revenue), 0)
       FROM split_assignments WHERE flow_id = ? AND split_node_id = ? AND assigned_at >= ? AND assigned_at < ?
       GROUP BY variant_id, coalesce(currency, '')`,
    )
    .run(day, flowId, splitNodeId, from, from + DAY_MS);
}

function recomputeEngagement(sqlite: Database.Database, flowId: string, day: number): void {
  const from = day * DAY_MS;
  const to = from + DAY_MS;
  const flow = flowId === NO_FLOW ? null : flowId;
  // `= ?` (not `IS ?`) so each part is read through its (flow, time) index; conversions without a flow are their own bucket.
  const match = flow === null ? 'flow_id IS NULL AND ? IS NULL' : 'flow_id = ?';
  sqlite.prepare('DELETE FROM analytics_engagement_daily WHERE flow_id = ? AND day = ?').run(flowId, day);
  sqlite
    .prepare(
      `INSERT INTO analytics_engagement_daily (flow_id, day, node_id, currency, clicks, unique_clicks, bot_clicks, replies, opt_outs, conversions, revenue)
       SELECT ?, ?, node_id, currency, sum(clicks), sum(unique_clicks), sum(bot_clicks), sum(replies), sum(opt_outs), sum(conversions), sum(revenue)
       FROM (
         SELECT coalesce(node_id, '') AS node_id, '' AS currency, NOT is_bot AS clicks, (is_unique AND NOT is_bot) AS unique_clicks, is_bot AS bot_clicks,
                0 AS replies, 0 AS opt_outs, 0 AS conversions, 0.0 AS revenue
           FROM clicks WHERE ${match} AND occurred_at >= ? AND occurred_at < ?
         UNION ALL
         SELECT coalesce(node_id, ''), '', 0, 0, 0, 1, 0, 0, 0.0 FROM replies WHERE ${match} AND occurred_at >= ? AND occurred_at < ?
         UNION ALL
         SELECT coalesce(node_id, ''), '', 0, 0, 0, 0, 1, 0, 0.0 FROM opt_out_causes WHERE ${match} AND occurred_at >= ? AND occurred_at < ?
         UNION ALL
         SELECT coalesce(node_id, ''), coalesce(currency, ''), 0, 0, 0, 0, 0, 1, coalesce(revenue, 0.0)
           FROM conversions WHERE ${match} AND occurred_at >= ? AND occurred_at < ?
       )
       GROUP BY node_id, currency`,
    )
    .run(flowId, day, flow, from, to, flow, from, to, flow, from, to, flow, from, to);
}

/** Throw the aggregates away and derive everything again from the store's events. */
export function rebuildAnalytics(sqlite: Database.Database, options: { defaultCurrency?: string } = {}): RefreshReport {
  sqlite.transaction(() => {
    for (const table of ['analytics_messages_daily', 'analytics_failures_daily', 'analytics_engagement_daily', 'analytics_split_daily', 'conversions', 'opt_out_causes', 'replies', 'analytics_dirty', 'analytics_dirty_contacts']) {
      sqlite.prepare(`DELETE FROM ${table}`).run();
    }
    sqlite.prepare(`DELETE FROM analytics_settings WHERE key LIKE 'derived.%'`).run();
    sqlite.prepare('UPDATE split_assignments SET converted_at = NULL, revenue = NULL, currency = NULL').run();
    sqlite.prepare(`INSERT OR IGNORE INTO analytics_dirty (kind, flow_id, day) SELECT DISTINCT 'messages', flow_id, created_at / ${DAY_MS} FROM messages WHERE flow_id IS NOT NULL`).run();
    sqlite
      .prepare(`INSERT OR IGNORE INTO analytics_dirty (kind, flow_id, day) SELECT DISTINCT 'split:' || split_node_id, flow_id, assigned_at / ${DAY_MS} FROM split_assignments`)
      .run();
    for (const table of ['clicks']) {
      sqlite.prepare(`INSERT OR IGNORE INTO analytics_dirty (kind, flow_id, day) SELECT DISTINCT 'engagement', coalesce(flow_id, ''), occurred_at / ${DAY_MS} FROM ${table}`).run();
    }
  })();
  return refreshAnalytics(sqlite, options);
}

export interface AssignmentInput {
  enrollmentId: number;
  splitNodeId: string;
  flowId: string;
  variantId: string;
  isHoldout: boolean;
  contactId: number;
  assignedAt: number;
}

/**
 * Record which arm a split sent a contact to (once per enrollment and split: a repeat is
 * ignored), with its conversion if a goal event already followed within the window.
 */
export function recordAssignment(sqlite: Database.Database, a: AssignmentInput, goals: readonly GoalSetting[] = readGoals(sqlite)): boolean {
  const inserted = sqlite
    .prepare(
      `INSERT OR IGNORE INTO split_assignments (enrollment_id, split_node_id, flow_id, variant_id, is_holdout, contact_id, assigned_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(a.enrollmentId, a.splitNodeId, a.flowId, a.variantId, a.isHoldout ? 1 : 0, a.contactId, a.assignedAt);
  if (inserted.changes > 0) markDirty(sqlite, `split:${a.splitNodeId}`, a.flowId, a.assignedAt);
  const goal = goals.find((g) => g.flowId === a.flowId);
  if (inserted.changes === 0 || !goal) return inserted.changes > 0;
  // Only events the derivation has already seen: later ones reach this row through the attributor.
  const event = sqlite
    .prepare(
      `SELECT properties_json, occurred_at FROM events WHERE contact_id = ? AND name = ? AND occurred_at BETWEEN ? AND ? AND id <= ?
       ORDER BY occurred_at LIMIT 1`,
    )
    .get(a.contactId, goal.goal, a.assignedAt, a.assignedAt + goal.windowDays * DAY_MS, bookmark(sqlite, 'derived.events')) as
    | { properties_json: string; occurred_at: number }
    | undefined;
  if (!event) return true;
  let properties: Record<string, unknown> = {};
  try {
    properties = JSON.parse(event.properties_json) as Record<string, unknown>;
  } catch {
    // no revenue
  }
  const revenue = revenueOf(properties, goal.revenueProperty, 'USD');
  sqlite
    .prepare('UPDATE split_assignments SET converted_at = ?, revenue = ?, currency = ? WHERE enrollment_id = ? AND split_node_id = ?')
    .run(event.occurred_at, revenue?.amount ?? null, revenue?.currency ?? null, a.enrollmentId, a.splitNodeId);
  return true;
}
