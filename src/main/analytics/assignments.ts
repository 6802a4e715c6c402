import type Database from 'better-sqlite3';
import { FlowDocument } from '../../shared/flow/document';
import type { FlowNodeOf } from '../../shared/graph/graph';
import { splitVariant } from '../engine/step';
import { parseTrail } from '../engine/trail';
import { readGoals, recordAssignment } from './derive';

/**
 * Split assignments recovered from what the engine already stores: an enrollment's trail says
 * when it passed a split, and the arm is the split's stable hash of (phone, node), the very
 * function the engine assigned it with. Used for runs recorded before assignments were written
 * as they happen, and by the dry-run.
 */
/** Returns how many assignments were missing and are now recorded. */
export function backfillAssignments(sqlite: Database.Database, flowId: string): number {
  const splits = new Map<string, Map<string, FlowNodeOf<'split'>>>();
  for (const row of sqlite.prepare('SELECT id, document_json FROM flow_versions WHERE flow_id = ?').all(flowId) as Array<{ id: string; document_json: string }>) {
    const parsed = FlowDocument.safeParse(JSON.parse(row.document_json));
    if (!parsed.success) continue;
    const nodes = new Map<string, FlowNodeOf<'split'>>();
    for (const node of parsed.data.graph.nodes) if (node.kind === 'split') nodes.set(node.id, node as FlowNodeOf<'split'>);
    if (nodes.size > 0) splits.set(row.id, nodes);
  }
  if (splits.size === 0) return 0;
  const goals = readGoals(sqlite);
  let recorded = 0;
  const rows = sqlite
    .prepare('SELECT e.id, e.flow_version_id, e.contact_id, e.trail, c.phone FROM enrollments e JOIN contacts c ON c.id = e.contact_id WHERE e.flow_id = ?')
    .iterate(flowId) as IterableIterator<{ id: number; flow_version_id: string; contact_id: number; trail: string; phone: string }>;
  const pending: Array<Parameters<typeof recordAssignment>[1]> = [];
  for (const row of rows) {
    const nodes = splits.get(row.flow_version_id);
    if (!nodes) continue;
    for (const line of parseTrail(row.trail)) {
      for (const id of line.nodeIds) {
        const node = nodes.get(id);
        const variant = node && splitVariant(node, row.phone);
        if (!node || !variant) continue;
        pending.push({ enrollmentId: row.id, splitNodeId: id, flowId, variantId: variant.id, isHoldout: variant.isHoldout, contactId: row.contact_id, assignedAt: line.at });
      }
    }
  }
  sqlite.transaction(() => {
    for (const a of pending) {
      if (recordAssignment(sqlite, a, goals)) recorded++;
    }
  })();
  return recorded;
}
