import type Database from 'better-sqlite3';
import { PostcardError } from '../../shared/api/result';
import type { FlowGraph } from '../../shared/graph/graph';

/**
 * At publish: the segment versions the new flow version reads (its segment_entered trigger, its
 * branches' segment conditions) are
 * fixed then and recorded, so editing the segment later never changes a live flow's audience,
 * and a segment in use cannot be deleted. A segment that is not saved refuses the publish.
 */
export function recordSegmentUse(sqlite: Database.Database, flowVersionId: string, graph: FlowGraph): void {
  const names = segmentNamesIn(graph);
  const latest = sqlite.prepare(
    `SELECT v.id FROM segment_versions v JOIN segments s ON s.id = v.segment_id
     WHERE (s.id = ? OR s.name = ?) AND s.status = 'active' ORDER BY v.version DESC LIMIT 1`,
  );
  const insert = sqlite.prepare('INSERT OR IGNORE INTO flow_version_segments (flow_version_id, segment_version_id) VALUES (?, ?)');
  for (const name of names) {
    const versionId = latest.pluck().get(name, name) as string | undefined;
    if (!versionId) throw new PostcardError('FLOW_INVALID', `the segment "${name}" is not a saved, active segment`);
    insert.run(flowVersionId, versionId);
  }
}

/** The segments a graph refers to (by name, or id): its segment_entered trigger and its branches' segment conditions. */
export function segmentNamesIn(graph: Pick<FlowGraph, 'nodes'>): Set<string> {
  const names = new Set<string>();
  for (const node of graph.nodes) {
    if (node.kind === 'trigger' && node.config.type === 'segment_entered') names.add(node.config.segment.trim());
    if (node.kind === 'branch') for (const c of node.config.conditions) if (c.subject === 'segment') names.add(c.name.trim());
  }
  return names;
}
