import type Database from 'better-sqlite3';
import { parseJsonObject } from '../../shared/json';
import type { Channel, ConsentChannel, ConsentKind, ContactTimeline, MessageStatus, MmsCapability, TimelineEntry } from '../../shared/engine/types';
import { parseTrail } from './trail';

/** Everything that happened to one contact, oldest first: enrollments, steps, messages, consent, events. */
export function contactTimeline(sqlite: Database.Database, contactId: number, limit = 500): ContactTimeline | null {
  const contact = sqlite
    .prepare('SELECT id, phone, time_zone, attributes_json, mms_capable FROM contacts WHERE id = ?')
    .get(contactId) as { id: number; phone: string; time_zone: string | null; attributes_json: string; mms_capable: MmsCapability } | undefined;
  if (!contact) return null;
  const entries: Array<TimelineEntry & { order: number }> = [];
  const iso = (ts: number): string => new Date(ts).toISOString();
  let order = 0;
  const push = (entry: TimelineEntry): void => {
    entries.push({ ...entry, order: order++ });
  };

  const enrollments = sqlite
    .prepare(
      `SELECT e.id, e.flow_id, v.version, e.entered_at, e.exited_at, e.exit_reason, e.trail FROM enrollments e
       LEFT JOIN flow_versions v ON v.id = e.flow_version_id WHERE e.contact_id = ? ORDER BY e.id`,
    )
    .all(contactId) as Array<{
    id: number;
    flow_id: string;
    version: number | null;
    entered_at: number;
    exited_at: number | null;
    exit_reason: string | null;
    trail: string;
  }>;
  for (const e of enrollments) {
    push({ at: iso(e.entered_at), type: 'enrolled', flowId: e.flow_id, version: e.version ?? 0, enrollmentId: e.id });
    for (const s of parseTrail(e.trail)) {
      push({ at: iso(s.at), type: 'step', flowId: e.flow_id, enrollmentId: e.id, nodeIds: s.nodeIds, note: s.note });
    }
    if (e.exited_at !== null) push({ at: iso(e.exited_at), type: 'exited', flowId: e.flow_id, enrollmentId: e.id, reason: e.exit_reason ?? '' });
  }
  // A message's history: queued at creation, sent when accepted, its final status when finished
  // (all on the row), and in between the retries and deferrals kept in message_events.
  const messages = sqlite
    .prepare(
      `SELECT id, flow_id, node_id, channel, status, reason, error_code, purpose, created_at, accepted_at, finished_at
       FROM messages WHERE contact_id = ? ORDER BY id`,
    )
    .all(contactId) as Array<{
    id: number;
    flow_id: string | null;
    node_id: string | null;
    channel: Channel;
    status: MessageStatus;
    reason: string | null;
    error_code: string | null;
    purpose: string;
    created_at: number;
    accepted_at: number | null;
    finished_at: number | null;
  }>;
  const messageEvents = sqlite.prepare('SELECT status, provider_code, detail, occurred_at FROM message_events WHERE message_id = ? ORDER BY id');
  for (const m of messages) {
    const entry = (at: number, status: MessageStatus, providerCode: string | null, detail: string | null): void =>
      push({ at: iso(at), type: 'message', messageId: m.id, flowId: m.flow_id ?? '', nodeId: m.node_id ?? '', channel: m.channel, status, providerCode, detail });
    entry(m.created_at, 'queued', null, m.purpose === 'reply' ? 'HELP reply' : null);
    for (const ev of messageEvents.all(m.id) as Array<{ status: MessageStatus; provider_code: string | null; detail: string | null; occurred_at: number }>) {
      entry(ev.occurred_at, ev.status, ev.provider_code, ev.detail);
    }
    if (m.accepted_at !== null) entry(m.accepted_at, 'sent', null, null);
    if (m.finished_at !== null && m.status !== 'sent') entry(m.finished_at, m.status, m.error_code, m.reason);
  }
  const consent = sqlite
    .prepare('SELECT kind, channel, source, keyword, occurred_at FROM consent_events WHERE contact_id = ? ORDER BY id')
    .all(contactId) as Array<{ kind: ConsentKind; channel: ConsentChannel; source: string; keyword: string | null; occurred_at: number }>;
  for (const c of consent) push({ at: iso(c.occurred_at), type: 'consent', kind: c.kind, channel: c.channel, source: c.source, keyword: c.keyword });
  const events = sqlite
    .prepare('SELECT name, properties_json, occurred_at FROM events WHERE contact_id = ? ORDER BY occurred_at, id')
    .all(contactId) as Array<{ name: string; properties_json: string; occurred_at: number }>;
  for (const ev of events) push({ at: iso(ev.occurred_at), type: 'event', name: ev.name, properties: parseJsonObject(ev.properties_json) });

  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));
  return {
    contact: {
      id: contact.id,
      phone: contact.phone,
      timeZone: contact.time_zone,
      mmsCapable: contact.mms_capable,
      attributes: parseJsonObject(contact.attributes_json),
    },
    entries: entries.slice(-limit).map(({ order: _order, ...entry }) => entry as TimelineEntry),
  };
}

