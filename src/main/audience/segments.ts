import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AudienceCatalog, SegmentDetail, SegmentPreview, SegmentSummary, SegmentUse } from '../../shared/api/audience';
import { PostcardError } from '../../shared/api/result';
import type { FlowGraph } from '../../shared/graph/graph';
import { checkSegment } from '../../shared/audience/check';
import { AttributeType, SegmentDefinition, type SegmentCatalog } from '../../shared/audience/segment';
import { segmentNamesIn } from './flowUse';
import { countSegment, loadCatalog, sampleSegment, segmentMemberIds } from './segmentSql';
import { syncAttributeIndexes } from './attributeIndexes';

/**
 * Saved segments, versioned like flows: every save with a changed definition adds an immutable
 * version, and a published flow keeps the version it was published with (flow_version_segments).
 * A segment a flow version uses can be archived, never deleted, so nothing a flow sends by is lost.
 */
export class SegmentService {
  constructor(
    private readonly sqlite: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  catalog(): AudienceCatalog {
    const attributes = (this.sqlite.prepare('SELECT name, type FROM contact_attributes ORDER BY name').all() as Array<{ name: string; type: string }>).map((row) => ({
      name: row.name,
      type: AttributeType.safeParse(row.type).data ?? 'text',
    }));
    const categories = (
      this.sqlite.prepare('SELECT id, label, description, is_default_subscribed FROM subscription_categories WHERE archived_at IS NULL ORDER BY label').all() as Array<{
        id: string;
        label: string;
        description: string;
        is_default_subscribed: number;
      }>
    ).map((row) => ({ id: row.id, label: row.label, description: row.description, isDefaultSubscribed: row.is_default_subscribed === 1 }));
    return { attributes, categories };
  }

  declareAttribute(name: string, type: AttributeType): AudienceCatalog {
    this.sqlite
      .prepare('INSERT INTO contact_attributes (name, type, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET type = excluded.type')
      .run(name, type, this.now());
    syncAttributeIndexes(this.sqlite);
    return this.catalog();
  }

  saveCategory(input: { id: string; label: string; description: string; isDefaultSubscribed: boolean }): AudienceCatalog {
    this.sqlite
      .prepare(
        `INSERT INTO subscription_categories (id, label, description, is_default_subscribed, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET label = excluded.label, description = excluded.description,
           is_default_subscribed = excluded.is_default_subscribed, archived_at = NULL`,
      )
      .run(input.id, input.label, input.description, input.isDefaultSubscribed ? 1 : 0, this.now());
    return this.catalog();
  }

  /** Archived, not deleted: the ledger keeps naming it, and flows that declared it still refuse to send by it. */
  archiveCategory(id: string): AudienceCatalog {
    const changed = this.sqlite.prepare('UPDATE subscription_categories SET archived_at = ? WHERE id = ? AND archived_at IS NULL').run(this.now(), id).changes;
    if (changed === 0) throw new PostcardError('NOT_FOUND', `there is no subscription category "${id}"`);
    return this.catalog();
  }

  preview(definition: SegmentDefinition, sampleSize: number): SegmentPreview {
    const catalog = loadCatalog(this.sqlite);
    const problems = checkSegment(definition, catalog);
    if (problems.length > 0) return { count: null, sample: [], problems };
    const now = this.now();
    return {
      count: countSegment(this.sqlite, definition, catalog, now),
      sample: sampleSize > 0 ? sampleSegment(this.sqlite, definition, catalog, now, sampleSize) : [],
      problems: [],
    };
  }

  /** withCounts: each active segment's live count too (what the inspectors' segment pickers show). */
  list(includeArchived: boolean, withCounts = false): SegmentSummary[] {
    const rows = this.sqlite
      .prepare(
        `SELECT s.id, s.name, s.status, s.updated_at, s.draft_json, (SELECT max(version) FROM segment_versions v WHERE v.segment_id = s.id) AS version
         FROM segments s ${includeArchived ? '' : "WHERE s.status = 'active'"} ORDER BY s.name`,
      )
      .all() as Array<{ id: string; name: string; status: string; updated_at: number; version: number; draft_json: string }>;
    if (!withCounts) return rows.map((row) => summary(row));
    const catalog = loadCatalog(this.sqlite);
    const now = this.now();
    return rows.map((row) => {
      if (row.status !== 'active') return { ...summary(row), count: null };
      const parsed = SegmentDefinition.safeParse(JSON.parse(row.draft_json));
      const fits = parsed.success && checkSegment(parsed.data, catalog).length === 0;
      return { ...summary(row), count: fits ? countSegment(this.sqlite, parsed.data, catalog, now) : null };
    });
  }

  get(id: string): SegmentDetail {
    const row = this.sqlite.prepare('SELECT id, name, description, status, draft_json, updated_at FROM segments WHERE id = ?').get(id) as
      | { id: string; name: string; description: string; status: string; draft_json: string; updated_at: number }
      | undefined;
    if (!row) throw new PostcardError('NOT_FOUND', `there is no segment ${id}`);
    const versions = this.sqlite.prepare('SELECT id, version, created_at FROM segment_versions WHERE segment_id = ? ORDER BY version DESC').all(id) as Array<{
      id: string;
      version: number;
      created_at: number;
    }>;
    const parsed = SegmentDefinition.safeParse(JSON.parse(row.draft_json));
    if (!parsed.success) throw new PostcardError('INTERNAL', `the segment "${row.name}" is damaged in the database and cannot be read`);
    return {
      ...summary({ ...row, version: versions[0]?.version ?? 0 }),
      description: row.description,
      definition: parsed.data,
      versions: versions.map((v) => ({ id: v.id, version: v.version, createdAt: new Date(v.created_at).toISOString() })),
      usedBy: this.usedBy(id),
    };
  }

  /** The latest version of an active segment: what a flow published now refers to. */
  latestVersion(id: string): { id: string; version: number; definition: SegmentDefinition } {
    const row = this.sqlite
      .prepare(
        `SELECT v.id, v.version, v.definition_json FROM segment_versions v JOIN segments s ON s.id = v.segment_id
         WHERE s.id = ? AND s.status = 'active' ORDER BY v.version DESC LIMIT 1`,
      )
      .get(id) as { id: string; version: number; definition_json: string } | undefined;
    if (!row) throw new PostcardError('NOT_FOUND', `there is no active segment ${id}`);
    return { id: row.id, version: row.version, definition: SegmentDefinition.parse(JSON.parse(row.definition_json)) };
  }

  save(input: { id?: string; name: string; description: string; definition: SegmentDefinition }): SegmentDetail {
    const catalog: SegmentCatalog = loadCatalog(this.sqlite);
    const problems = checkSegment(input.definition, catalog);
    if (problems.length > 0) {
      throw new PostcardError('INVALID_INPUT', `the segment cannot be saved: ${problems.map((p) => p.message).join('; ')}`, { problems });
    }
    const now = this.now();
    const json = JSON.stringify(input.definition);
    const id = input.id ?? randomUUID();
    this.sqlite.transaction(() => {
      const clash = this.sqlite.prepare('SELECT id FROM segments WHERE name = ? AND id != ?').pluck().get(input.name, id) as string | undefined;
      if (clash) throw new PostcardError('CONFLICT', `a segment named "${input.name}" already exists`);
      if (input.id) {
        const status = this.sqlite.prepare('SELECT status FROM segments WHERE id = ?').pluck().get(id) as string | undefined;
        if (!status) throw new PostcardError('NOT_FOUND', `there is no segment ${id}`);
        if (status === 'archived') throw new PostcardError('CONFLICT', `the segment "${input.name}" is archived; archived segments are kept as they were`);
        this.refuseRenameInUse(id, input.name);
        this.sqlite.prepare('UPDATE segments SET name = ?, description = ?, draft_json = ?, updated_at = ? WHERE id = ?').run(input.name, input.description, json, now, id);
      } else {
        this.sqlite
          .prepare(`INSERT INTO segments (id, name, description, status, draft_json, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?, ?)`)
          .run(id, input.name, input.description, json, now, now);
      }
      const latest = this.sqlite.prepare('SELECT version, definition_json FROM segment_versions WHERE segment_id = ? ORDER BY version DESC LIMIT 1').get(id) as
        | { version: number; definition_json: string }
        | undefined;
      if (latest?.definition_json !== json) {
        this.sqlite
          .prepare('INSERT INTO segment_versions (id, segment_id, version, definition_json, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(randomUUID(), id, (latest?.version ?? 0) + 1, json, now);
      }
    })();
    return this.get(id);
  }

  archive(id: string): SegmentDetail {
    const changed = this.sqlite.prepare(`UPDATE segments SET status = 'archived', updated_at = ? WHERE id = ?`).run(this.now(), id).changes;
    if (changed === 0) throw new PostcardError('NOT_FOUND', `there is no segment ${id}`);
    return this.get(id);
  }

  /**
   * Deleting drops every version, so it is refused while anything refers to the segment: a
   * version a flow published with (archived flows too: their versions keep the history of what
   * was sent, and the database keeps the reference), or a draft that names it and would no
   * longer publish. Checked and deleted in one transaction; the refusal names the flows.
   */
  delete(id: string): { id: string } {
    this.sqlite.transaction(() => {
      const name = this.sqlite.prepare('SELECT name FROM segments WHERE id = ?').pluck().get(id) as string | undefined;
      if (name === undefined) throw new PostcardError('NOT_FOUND', `there is no segment ${id}`);
      const usedBy = this.usedBy(id, { withArchivedFlows: true });
      const flows = this.referringFlows(new Set([name, id]), usedBy);
      if (flows.length > 0) {
        throw new PostcardError('CONFLICT', `the segment "${name}" cannot be deleted while flows refer to it: ${describeFlows(flows)}; archive it instead`, {
          usedBy,
          flows,
        });
      }
      this.sqlite.prepare('DELETE FROM segment_members WHERE segment_version_id IN (SELECT id FROM segment_versions WHERE segment_id = ?)').run(id);
      this.sqlite.prepare('DELETE FROM segment_versions WHERE segment_id = ?').run(id);
      this.sqlite.prepare('DELETE FROM segments WHERE id = ?').run(id);
    })();
    return { id };
  }

  /** Everyone matching the segment's latest version now, by id. */
  memberIdsNow(id: string): number[] {
    const { definition } = this.latestVersion(id);
    return [...segmentMemberIds(this.sqlite, definition, loadCatalog(this.sqlite), this.now())];
  }

  /** Record which segment versions a newly published flow version reads. */
  recordUse(flowVersionId: string, segmentVersionIds: readonly string[]): void {
    const insert = this.sqlite.prepare('INSERT OR IGNORE INTO flow_version_segments (flow_version_id, segment_version_id) VALUES (?, ?)');
    for (const versionId of segmentVersionIds) insert.run(flowVersionId, versionId);
  }

  /**
   * Flows name their segments, and a published flow version can never be edited: renaming a
   * segment a flow refers to would silently empty that flow's trigger or branch. So a rename is
   * refused while any flow that is not archived (its draft, or a version it published) names the
   * segment, and the refusal names those flows.
   */
  private refuseRenameInUse(id: string, newName: string): void {
    const oldName = this.sqlite.prepare('SELECT name FROM segments WHERE id = ?').pluck().get(id) as string;
    if (oldName === newName) return;
    const flows = this.referringFlows(new Set([oldName]), this.usedBy(id));
    if (flows.length === 0) return;
    throw new PostcardError(
      'CONFLICT',
      `the segment "${oldName}" cannot be renamed while flows refer to it by name: ${describeFlows(flows)}; keep the name, or save a new segment under the new one`,
      { flows },
    );
  }

  /** Flows whose draft (flows not archived) names the segment by one of `references`, and those with a version in `uses`, each with where. */
  private referringFlows(references: ReadonlySet<string>, uses: ReadonlyArray<SegmentUse & { isFlowArchived?: boolean }>): ReferringFlow[] {
    const flows = new Map<string, ReferringFlow>();
    const mention = (flowId: string, flowName: string, place: string): void => {
      const flow = flows.get(flowId) ?? { flowId, flowName, places: [] };
      if (!flow.places.includes(place)) flow.places.push(place);
      flows.set(flowId, flow);
    };
    const drafts = this.sqlite.prepare("SELECT id, name, draft_graph_json FROM flows WHERE status != 'archived' ORDER BY name").all() as Array<{
      id: string;
      name: string;
      draft_graph_json: string;
    }>;
    for (const flow of drafts) {
      const graph = JSON.parse(flow.draft_graph_json) as Pick<FlowGraph, 'nodes'>;
      if ([...segmentNamesIn(graph)].some((name) => references.has(name))) mention(flow.id, flow.name, 'draft');
    }
    for (const use of uses) mention(use.flowId, use.flowName, `version ${use.flowVersion}${use.isFlowArchived ? ' of the archived flow' : ''}`);
    return [...flows.values()];
  }

  /** The flow versions that read a version of the segment; those of archived flows only when asked. */
  private usedBy(id: string, options: { withArchivedFlows: true }): Array<SegmentUse & { isFlowArchived: boolean }>;
  private usedBy(id: string): SegmentUse[];
  private usedBy(id: string, options?: { withArchivedFlows: true }): Array<SegmentUse & { isFlowArchived?: boolean }> {
    const rows = this.sqlite
      .prepare(
        `SELECT f.id AS flow_id, f.name AS flow_name, f.status AS flow_status, fv.version AS flow_version, sv.version AS segment_version
         FROM flow_version_segments u
         JOIN segment_versions sv ON sv.id = u.segment_version_id
         JOIN flow_versions fv ON fv.id = u.flow_version_id
         JOIN flows f ON f.id = fv.flow_id
         WHERE sv.segment_id = ? AND (? OR f.status != 'archived') ORDER BY f.name, fv.version`,
      )
      .all(id, options?.withArchivedFlows ? 1 : 0) as Array<{ flow_id: string; flow_name: string; flow_status: string; flow_version: number; segment_version: number }>;
    return rows.map((r) => ({
      flowId: r.flow_id,
      flowName: r.flow_name,
      flowVersion: r.flow_version,
      segmentVersion: r.segment_version,
      ...(options?.withArchivedFlows ? { isFlowArchived: r.flow_status === 'archived' } : {}),
    }));
  }
}

interface ReferringFlow {
  flowId: string;
  flowName: string;
  /** "draft", "version 2", "version 1 of the archived flow" */
  places: string[];
}

function describeFlows(flows: readonly ReferringFlow[]): string {
  return flows.map((flow) => `"${flow.flowName}" (${flow.places.join(', ')})`).join(', ');
}

function summary(row: { id: string; name: string; status: string; updated_at: number; version: number }): SegmentSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status === 'archived' ? 'archived' : 'active',
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
