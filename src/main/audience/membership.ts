import type Database from 'better-sqlite3';
import { becomesTrueAt, evaluateSegment, timeChanges } from '../../shared/audience/evaluate';
import { isGroup, type SegmentCatalog, type SegmentDefinition, type SegmentNode } from '../../shared/audience/segment';
import { compileSegment } from '../../shared/audience/compile';
import { ensureSegmentFunctions, loadContactFacts } from './segmentSql';

/**
 * Who is in a segment version, kept up to date for segment_entered triggers. Only contacts that
 * changed (an import, an event, a consent record, an attribute update) or whose recheck time has
 * come are evaluated; nobody is rescanned on a timer. A contact enters when the answer turns from
 * no to yes, once per turn; what the flow does with a second entry is its re-entry rule's call.
 */
export interface SegmentPlan {
  segmentVersionId: string;
  definition: SegmentDefinition;
}

export interface MembershipChanges {
  entered: number[];
  left: number[];
}

const CHUNK = 500;

/** Whether time alone can change the answer for someone (a rolling window, a date, a pause, a dated record). */
export function isTimeSensitive(definition: SegmentDefinition): boolean {
  const visit = (nodes: readonly SegmentNode[]): boolean =>
    nodes.some((node) =>
      isGroup(node)
        ? visit(node.rules)
        : ((node.type === 'event' || node.type === 'engagement') && node.window.type !== 'ever') ||
          node.type === 'paused' ||
          node.type === 'consent' ||
          node.type === 'subscription',
    );
  return visit(definition.rules);
}

/**
 * The members when a flow goes live: they are in already and do not "enter". With time-sensitive
 * rules each contact also gets the moment time alone may change its answer, a page at a time.
 */
export function initializeMembers(sqlite: Database.Database, plan: SegmentPlan, catalog: SegmentCatalog, now: number): number {
  ensureSegmentFunctions(sqlite);
  sqlite.prepare('DELETE FROM segment_members WHERE segment_version_id = ?').run(plan.segmentVersionId);
  if (!isTimeSensitive(plan.definition)) {
    const { where, params } = compileSegment(plan.definition, catalog, now, 'population');
    return sqlite
      .prepare(`INSERT INTO segment_members (segment_version_id, contact_id, is_member, entered_at, recheck_at) SELECT ?, c.id, 1, NULL, NULL FROM contacts c WHERE ${where}`)
      .run(plan.segmentVersionId, ...params).changes;
  }
  const page = sqlite.prepare('SELECT id FROM contacts WHERE id > ? ORDER BY id LIMIT ?').pluck();
  let lastId = 0;
  let members = 0;
  for (;;) {
    const ids = page.all(lastId, CHUNK) as number[];
    if (ids.length === 0) return members;
    members += refreshMembers(sqlite, plan, catalog, ids, now, { isInitial: true }).entered.length;
    lastId = ids[ids.length - 1] as number;
  }
}

/**
 * Evaluate the given contacts and record the answers; returns who entered and who left. With
 * isInitial the members found are recorded as already in (their entered list is only a count).
 */
export function refreshMembers(
  sqlite: Database.Database,
  plan: SegmentPlan,
  catalog: SegmentCatalog,
  contactIds: readonly number[],
  now: number,
  options: { isInitial?: boolean } = {},
): MembershipChanges {
  const changes: MembershipChanges = { entered: [], left: [] };
  const existing = sqlite.prepare(
    'SELECT contact_id, is_member FROM segment_members WHERE segment_version_id = ? AND contact_id IN (SELECT value FROM json_each(?))',
  );
  const upsert = sqlite.prepare(
    `INSERT INTO segment_members (segment_version_id, contact_id, is_member, entered_at, recheck_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(segment_version_id, contact_id) DO UPDATE SET is_member = excluded.is_member,
       entered_at = coalesce(excluded.entered_at, entered_at), recheck_at = excluded.recheck_at`,
  );
  const remove = sqlite.prepare('DELETE FROM segment_members WHERE segment_version_id = ? AND contact_id = ?');
  for (let start = 0; start < contactIds.length; start += CHUNK) {
    const ids = contactIds.slice(start, start + CHUNK);
    const facts = loadContactFacts(sqlite, plan.definition, ids);
    const wasMember = new Map(
      (existing.all(plan.segmentVersionId, JSON.stringify(ids)) as Array<{ contact_id: number; is_member: number }>).map((r) => [r.contact_id, r.is_member === 1]),
    );
    sqlite.transaction(() => {
      for (const [contactId, contact] of facts) {
        const isMember = evaluateSegment(plan.definition, catalog, contact, now);
        // A member is looked at again when time may take it out; anyone else when time may bring it in.
        const recheckAt = isMember ? (timeChanges(plan.definition, contact, now)[0] ?? null) : becomesTrueAt(plan.definition, catalog, contact, now);
        const was = wasMember.get(contactId) ?? false;
        if (isMember && !was) changes.entered.push(contactId);
        if (!isMember && was) changes.left.push(contactId);
        if (!isMember && recheckAt === null) remove.run(plan.segmentVersionId, contactId);
        else upsert.run(plan.segmentVersionId, contactId, isMember ? 1 : 0, isMember && !was && !options.isInitial ? now : null, recheckAt);
      }
      // Contacts deleted meanwhile: nothing to keep.
      for (const contactId of ids) if (!facts.has(contactId)) remove.run(plan.segmentVersionId, contactId);
    })();
  }
  return changes;
}

/** Contacts whose recheck time has come, per segment version (served by the recheck index). */
export function dueRechecks(sqlite: Database.Database, now: number, limit: number): Map<string, number[]> {
  const rows = sqlite
    .prepare('SELECT segment_version_id, contact_id FROM segment_members WHERE recheck_at IS NOT NULL AND recheck_at <= ? ORDER BY recheck_at LIMIT ?')
    .all(now, limit) as Array<{ segment_version_id: string; contact_id: number }>;
  const due = new Map<string, number[]>();
  for (const row of rows) {
    const ids = due.get(row.segment_version_id) ?? [];
    ids.push(row.contact_id);
    due.set(row.segment_version_id, ids);
  }
  return due;
}

/** The next recheck of any contact (the scheduler's next wake for segments), or null. */
export function nextRecheckDue(sqlite: Database.Database): number | null {
  return (sqlite.prepare('SELECT min(recheck_at) FROM segment_members WHERE recheck_at IS NOT NULL').pluck().get() as number | null) ?? null;
}

export function isMember(sqlite: Database.Database, segmentVersionId: string, contactId: number): boolean {
  return sqlite.prepare('SELECT is_member FROM segment_members WHERE segment_version_id = ? AND contact_id = ?').pluck().get(segmentVersionId, contactId) === 1;
}
