import { and, eq, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import type { PostcardDb } from '../db/open';
import { flows, flowVersions } from '../db/schema/flows';

/** A flow whose MMS uses an asset: in its draft, or in a published version that can still send. */
export interface MediaReference {
  flowId: string;
  name: string;
  status: string;
  in: 'draft' | 'published';
}

/**
 * Flows that would lose an image if the asset went: every draft that puts it on an MMS step,
 * and every published version of a live or paused flow (contacts still on an older version send
 * what that version says). A LIKE on the stored JSON narrows the rows; parsing decides.
 */
export function mediaReferences(db: PostcardDb, assetId: string): MediaReference[] {
  const pattern = `%${assetId.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const contains = (column: SQLWrapper) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;
  const found = new Map<string, MediaReference>();
  const drafts = db
    .select({ id: flows.id, name: flows.name, status: flows.status, json: flows.draftGraphJson })
    .from(flows)
    .where(contains(flows.draftGraphJson))
    .all();
  for (const row of drafts) {
    if (graphUses(parse(row.json), assetId)) found.set(`${row.id}:draft`, { flowId: row.id, name: row.name, status: row.status, in: 'draft' });
  }
  const published = db
    .select({ id: flows.id, name: flows.name, status: flows.status, json: flowVersions.documentJson })
    .from(flowVersions)
    .innerJoin(flows, eq(flows.id, flowVersions.flowId))
    .where(and(inArray(flows.status, ['live', 'paused']), contains(flowVersions.documentJson)))
    .all();
  for (const row of published) {
    const document = parse(row.json) as { graph?: unknown } | null;
    if (graphUses(document?.graph, assetId)) found.set(`${row.id}:published`, { flowId: row.id, name: row.name, status: row.status, in: 'published' });
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.in.localeCompare(b.in));
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/** Whether a stored graph (possibly damaged) has an MMS step carrying the asset. */
function graphUses(graph: unknown, assetId: string): boolean {
  const nodes = (graph as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return false;
  return nodes.some((node: unknown) => {
    const n = node as { kind?: unknown; config?: { mediaAssetId?: unknown } } | null;
    return n?.kind === 'mms' && n.config?.mediaAssetId === assetId;
  });
}
