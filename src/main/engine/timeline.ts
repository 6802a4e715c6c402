import type Database from 'better-sqlite3';
import { parseJsonObject } from '../../shared/json';
import type { Channel, ConsentChannel, ConsentKind, ContactTimeline, MessageContent, MessageStatus, MmsCapability, TimelineEntry } from '../../shared/engine/types';
import { definitionOf, nodeKinds, type NodeKind } from '../../shared/graph/nodes';
import { parseTrail } from './trail';

const isNodeKind = (value: unknown): value is NodeKind => typeof value === 'string' && (nodeKinds as readonly string[]).includes(value);

/** Everything that happened to one contact, oldest first: enrollments, steps, messages, consent, events. */
export function contactTimeline(sqlite: Database.Database, contactId: number, limit = 500): ContactTimeline | null {
  const contact = sqlite
    .prepare('SELECT id, phone, time_zone, attributes_json, mms_capable, unreachable_at, unreachable_reason FROM contacts WHERE id = ?')
    .get(contactId) as
    | { id: number; phone: string; time_zone: string | null; attributes_json: string; mms_capable: MmsCapability; unreachable_at: number | null; unreachable_reason: string | null }
    | undefined;
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
      `SELECT id, flow_id, node_id, channel, status, reason, error_code, purpose, body, subject, media_ref, created_at, accepted_at, finished_at
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
    body: string;
    subject: string | null;
    media_ref: string | null;
    created_at: number;
    accepted_at: number | null;
    finished_at: number | null;
  }>;
  const messageEvents = sqlite.prepare('SELECT status, provider_code, detail, occurred_at FROM message_events WHERE message_id = ? ORDER BY id');
  for (const m of messages) {
    const entry = (at: number, status: MessageStatus, providerCode: string | null, detail: string | null, content?: MessageContent): void =>
      push({
        at: iso(at),
        type: 'message',
        messageId: m.id,
        flowId: m.flow_id ?? '',
        nodeId: m.node_id ?? '',
        channel: m.channel,
        status,
        providerCode,
        detail,
        ...(content ? { content } : {}),
      });
    entry(m.created_at, 'queued', null, m.purpose === 'reply' ? 'HELP reply' : null, { body: m.body, subject: m.subject, mediaAssetId: m.media_ref });
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
  const kept = entries.slice(-limit);
  return {
    contact: {
      id: contact.id,
      phone: contact.phone,
      timeZone: contact.time_zone,
      mmsCapable: contact.mms_capable,
      attributes: parseJsonObject(contact.attributes_json),
      unreachable: contact.unreachable_at === null ? null : { at: iso(contact.unreachable_at), reason: contact.unreachable_reason ?? '' },
    },
    entries: kept.map(({ order: _order, ...entry }) => entry as TimelineEntry),
    names: namesFor(sqlite, contactId, kept),
  };
}

/** Flow names, and step names from every version of those flows the contact followed, then the draft. */
function namesFor(sqlite: Database.Database, contactId: number, entries: readonly TimelineEntry[]): NonNullable<ContactTimeline['names']> {
  const flowIds = [...new Set(entries.flatMap((e) => ('flowId' in e && e.flowId ? [e.flowId] : [])))];
  const names: NonNullable<ContactTimeline['names']> = { flows: {}, steps: {} };
  if (flowIds.length === 0) return names;
  const flowRow = sqlite.prepare('SELECT name, draft_graph_json FROM flows WHERE id = ?');
  const versionDocs = sqlite.prepare(
    `SELECT DISTINCT v.document_json FROM flow_versions v
     WHERE v.flow_id = ? AND v.id IN (SELECT flow_version_id FROM enrollments WHERE contact_id = ? UNION SELECT flow_version_id FROM messages WHERE contact_id = ?)
     ORDER BY v.version`,
  );
  for (const flowId of flowIds) {
    const steps: Record<string, string> = {};
    const row = flowRow.get(flowId) as { name: string; draft_graph_json: string } | undefined;
    if (row) names.flows[flowId] = row.name;
    // The draft first, so the versions the contact actually followed have the last word.
    const graphs = [row ? parseJsonObject(row.draft_graph_json) : {}];
    for (const json of versionDocs.pluck().all(flowId, contactId, contactId) as string[]) {
      const { graph } = parseJsonObject(json);
      graphs.push(typeof graph === 'object' && graph !== null ? (graph as Record<string, unknown>) : {});
    }
    for (const graph of graphs) {
      const nodes = Array.isArray(graph.nodes) ? (graph.nodes as unknown[]) : [];
      for (const node of nodes) {
        if (typeof node !== 'object' || node === null) continue;
        const { id, kind, label } = node as { id?: unknown; kind?: unknown; label?: unknown };
        if (typeof id !== 'string') continue;
        const name = typeof label === 'string' && label.trim() ? label.trim() : isNodeKind(kind) ? definitionOf(kind).label : null;
        if (name) steps[id] = name;
      }
    }
    names.steps[flowId] = steps;
  }
  return names;
}
