import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { desc, eq, sql } from 'drizzle-orm';
import type { FlowDetail, FlowSummary, FlowVersionSummary, PublishResult, SaveDraftResult } from '../../shared/api/flows';
import { PostcardError, type ApiError } from '../../shared/api/result';
import {
  CURRENT_SCHEMA_VERSION,
  FLOW_DOCUMENT_FORMAT,
  describeZodError,
  parseFlowDocument,
  type FlowDocument,
} from '../../shared/flow/document';
import { FlowSettings, FlowStatus, defaultFlowSettings } from '../../shared/flow/settings';
import { FlowGraph, emptyGraph } from '../../shared/graph/graph';
import { validateFlow, type ValidationContext } from '../../shared/graph/validate';
import { asFlowId, type FlowId } from '../../shared/ids';
import type { EventBus } from '../api/events';
import type { PostcardDb } from '../db/open';
import { flowVersions, flows } from '../db/schema';
import { parseUntrustedDocument } from './untrusted';
import { recordSegmentUse } from '../audience/flowUse';

type FlowRow = typeof flows.$inferSelect;

/** A stored flow whose JSON columns parsed cleanly. */
interface ReadableFlow {
  row: FlowRow;
  status: FlowStatus;
  settings: FlowSettings;
  graph: FlowGraph;
}

type RowRead = { ok: true; flow: ReadableFlow } | { ok: false; error: ApiError };

const MAX_NAME = 120;

export interface FlowServiceOptions {
  db: PostcardDb;
  events: EventBus;
  now?: () => Date;
  newId?: () => string;
}

/**
 * Write transactions take the write lock first: a deferred one that read before the scheduler
 * thread committed could not upgrade to a writer and would fail at once with SQLITE_BUSY.
 */
const IMMEDIATE = { behavior: 'immediate' } as const;

/**
 * Flows: a mutable draft that autosaves (optimistic revision check) and immutable published
 * versions. Every write that touches more than one row runs in one transaction; JSON columns are
 * re-validated on read so one damaged row is reported instead of breaking the list.
 */
export class FlowService {
  private readonly db: PostcardDb;
  private readonly events: EventBus;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(options: FlowServiceOptions) {
    this.db = options.db;
    this.events = options.events;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  list(search?: string): FlowSummary[] {
    // rowid breaks ties between flows edited within the same millisecond: newest first.
    const rows = this.db.select().from(flows).orderBy(desc(flows.updatedAt), sql`rowid desc`).all();
    const latest = this.latestVersions();
    const needle = search?.trim().toLocaleLowerCase();
    return rows
      .filter((row) => !needle || row.name.toLocaleLowerCase().includes(needle))
      .map((row) => {
        const read = readRow(row);
        const latestVersion = latest.get(row.id) ?? null;
        const summary: FlowSummary = {
          id: asFlowId(row.id),
          name: row.name,
          status: read.ok ? read.flow.status : 'draft',
          createdAt: row.createdAt,
          updatedAt: row.updatedAt,
          nodeCount: read.ok ? read.flow.graph.nodes.length : 0,
          latestVersion,
          hasUnpublishedChanges: hasUnpublishedChanges(row),
        };
        if (!read.ok) summary.error = read.error;
        return summary;
      });
  }

  get(id: FlowId): FlowDetail {
    return this.detailOf(this.readable(id));
  }

  create(name: string): FlowDetail {
    const id = asFlowId(this.newId());
    const at = this.stamp();
    this.db
      .insert(flows)
      .values({
        id,
        name: clampName(name),
        description: '',
        status: 'draft',
        settingsJson: JSON.stringify(defaultFlowSettings()),
        draftGraphJson: JSON.stringify(emptyGraph()),
        draftRevision: 0,
        createdAt: at,
        updatedAt: at,
      })
      .run();
    this.changed(id);
    return this.get(id);
  }

  rename(id: FlowId, name: string): FlowSummary {
    this.requireRow(id);
    this.db.update(flows).set({ name: clampName(name), updatedAt: this.stamp() }).where(eq(flows.id, id)).run();
    this.changed(id);
    const summary = this.list().find((flow) => flow.id === id);
    if (!summary) throw notFound(id);
    return summary;
  }

  saveDraft(input: {
    id: FlowId;
    baseRevision?: number;
    graph: FlowGraph;
    settings?: FlowSettings;
    description?: string;
  }): SaveDraftResult {
    const result = this.db.transaction((tx) => {
      const row = tx.select().from(flows).where(eq(flows.id, input.id)).get();
      if (!row) throw notFound(input.id);
      if (input.baseRevision !== undefined && input.baseRevision !== row.draftRevision) {
        throw new PostcardError(
          'CONFLICT',
          `"${row.name}" was changed elsewhere (revision ${row.draftRevision}, yours is ${input.baseRevision}); reload to see the latest draft`,
          { currentRevision: row.draftRevision },
        );
      }
      const revision = row.draftRevision + 1;
      const updatedAt = this.stamp();
      // Undo back to what is live makes the draft the published one again, not an "edit" of it.
      const graphJson = JSON.stringify(input.graph);
      const isPublished = row.publishedRevision !== null && this.isLatestVersion(tx, row, graphJson, input.settings);
      tx.update(flows)
        .set({
          draftGraphJson: graphJson,
          draftRevision: revision,
          ...(isPublished ? { publishedRevision: revision } : {}),
          updatedAt,
          ...(input.settings ? { settingsJson: JSON.stringify(input.settings) } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        })
        .where(eq(flows.id, input.id))
        .run();
      return { revision, updatedAt, hasUnpublishedChanges: !isPublished };
    }, IMMEDIATE);
    this.changed(input.id);
    return { ...result, validation: validateFlow(input.graph) };
  }

  /** Whether this graph and settings are the latest published version's (names are not versioned). */
  private isLatestVersion(tx: Pick<PostcardDb, 'select'>, row: FlowRow, graphJson: string, settings: FlowSettings | undefined): boolean {
    const latest = tx
      .select({ documentJson: flowVersions.documentJson })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, row.id))
      .orderBy(desc(flowVersions.version))
      .limit(1)
      .get();
    if (!latest) return false;
    let published: unknown;
    try {
      published = JSON.parse(latest.documentJson);
    } catch {
      return false;
    }
    if (typeof published !== 'object' || published === null) return false;
    const document = published as { graph?: unknown; settings?: unknown };
    // Compared as stored (through JSON), so an absent field and an undefined one are the same.
    const draftSettings = parseJsonOrNull(settings ? JSON.stringify(settings) : row.settingsJson);
    return isDeepStrictEqual(document.graph, parseJsonOrNull(graphJson)) && isDeepStrictEqual(document.settings, draftSettings);
  }

  /**
   * `context` carries what the graph alone cannot tell (the media library's facts), so a publish
   * through any door — the editor, the API, the CLI — is refused on the same rules.
   */
  publish(id: FlowId, context?: ValidationContext): PublishResult {
    const result = this.db.transaction((tx) => {
      const row = tx.select().from(flows).where(eq(flows.id, id)).get();
      if (!row) throw notFound(id);
      const read = readRow(row);
      if (!read.ok) throw new PostcardError(read.error.code, read.error.message);
      const validation = validateFlow(read.flow.graph, context);
      if (validation.hasErrors) {
        const errors = validation.issues.filter((issue) => issue.severity === 'error');
        throw new PostcardError(
          'FLOW_INVALID',
          `"${row.name}" cannot be published: ${errors.length} problem${errors.length === 1 ? '' : 's'} to fix first (${errors[0]?.message ?? ''})`,
          { issues: validation.issues },
        );
      }
      const latest = tx
        .select({ version: flowVersions.version, publishedAt: flowVersions.publishedAt })
        .from(flowVersions)
        .where(eq(flowVersions.flowId, id))
        .orderBy(desc(flowVersions.version))
        .limit(1)
        .get();
      // Publishing an unchanged draft again would only add a duplicate version.
      if (latest && row.publishedRevision === row.draftRevision) {
        if (row.status !== 'live') tx.update(flows).set({ status: 'live', updatedAt: this.stamp() }).where(eq(flows.id, id)).run();
        return { version: latest.version, publishedAt: latest.publishedAt, status: 'live' as const };
      }
      const version = (latest?.version ?? 0) + 1;
      const publishedAt = this.stamp();
      const versionId = this.newId();
      tx.insert(flowVersions)
        .values({
          id: versionId,
          flowId: id,
          version,
          documentJson: JSON.stringify(documentOf(read.flow)),
          publishedAt,
        })
        .run();
      recordSegmentUse(this.db.$client, versionId, read.flow.graph);
      tx.update(flows)
        .set({ status: 'live', publishedRevision: row.draftRevision, updatedAt: publishedAt })
        .where(eq(flows.id, id))
        .run();
      return { version, publishedAt, status: 'live' as const };
    }, IMMEDIATE);
    this.changed(id);
    return result;
  }

  duplicate(id: FlowId, name?: string): FlowDetail {
    const source = this.readable(id);
    const copyId = asFlowId(this.newId());
    const at = this.stamp();
    this.db
      .insert(flows)
      .values({
        id: copyId,
        name: clampName(name ?? `Copy of ${source.row.name}`),
        description: source.row.description,
        status: 'draft',
        settingsJson: JSON.stringify(source.settings),
        draftGraphJson: JSON.stringify(source.graph),
        draftRevision: 0,
        createdAt: at,
        updatedAt: at,
      })
      .run();
    this.changed(copyId);
    return this.get(copyId);
  }

  delete(id: FlowId): { id: FlowId } {
    // Versions go with the flow (ON DELETE CASCADE) in the same statement.
    const deleted = this.db.delete(flows).where(eq(flows.id, id)).run();
    if (deleted.changes === 0) throw notFound(id);
    this.changed(id);
    return { id };
  }

  /** `document` is untrusted JSON (a file, an HTTP body). Nothing is written unless all of it is valid. */
  import(document: unknown, name?: string): FlowDetail {
    const doc = parseUntrustedDocument(document);
    const id = asFlowId(this.newId());
    const at = this.stamp();
    this.db.transaction((tx) => {
      tx.insert(flows)
        .values({
          id,
          name: name !== undefined ? clampName(name) : this.importedName(tx, doc.name),
          description: doc.description,
          status: 'draft',
          settingsJson: JSON.stringify(doc.settings),
          draftGraphJson: JSON.stringify(doc.graph),
          draftRevision: 0,
          createdAt: at,
          updatedAt: at,
        })
        .run();
    }, IMMEDIATE);
    this.changed(id);
    return this.get(id);
  }

  /**
   * The document's name, or — when a flow already has it (importing a flow exported from this very
   * list) — "… (imported)", then "… (imported 2)" and on, so the copy is never mistaken for the original.
   */
  private importedName(tx: Pick<PostcardDb, 'select'>, documentName: string): string {
    const base = clampName(documentName);
    const taken = new Set(tx.select({ name: flows.name }).from(flows).all().map((row) => row.name));
    if (!taken.has(base)) return base;
    for (let n = 1; ; n++) {
      const suffix = n === 1 ? ' (imported)' : ` (imported ${n})`;
      const candidate = clampName(`${base.slice(0, Math.max(1, MAX_NAME - suffix.length))}${suffix}`);
      if (!taken.has(candidate)) return candidate;
    }
  }

  export(id: FlowId, version?: number): FlowDocument {
    if (version === undefined) return documentOf(this.readable(id));
    const row = this.requireRow(id);
    const stored = this.db
      .select()
      .from(flowVersions)
      .where(sql`${flowVersions.flowId} = ${id} and ${flowVersions.version} = ${version}`)
      .get();
    if (!stored) throw new PostcardError('NOT_FOUND', `"${row.name}" has no published version ${version}`);
    let json: unknown;
    try {
      json = JSON.parse(stored.documentJson);
    } catch {
      throw corrupt(row.name, `version ${version} is not valid JSON`);
    }
    // Stored versions go through the same upgrade path as files, so old versions stay exportable.
    const parsed = parseFlowDocument(json);
    if (!parsed.ok) throw corrupt(row.name, `version ${version}: ${parsed.error.message}`);
    return parsed.document;
  }

  /** True when the database holds no flows at all (first run). */
  isEmpty(): boolean {
    return this.db.select({ id: flows.id }).from(flows).limit(1).get() === undefined;
  }

  // ------------------------------------------------------------------ internals

  private stamp(): string {
    return this.now().toISOString();
  }

  private changed(flowId: FlowId): void {
    this.events.emit({ type: 'flows.changed', flowId });
  }

  private requireRow(id: FlowId): FlowRow {
    const row = this.db.select().from(flows).where(eq(flows.id, id)).get();
    if (!row) throw notFound(id);
    return row;
  }

  private readable(id: FlowId): ReadableFlow {
    const read = readRow(this.requireRow(id));
    if (!read.ok) throw new PostcardError(read.error.code, read.error.message);
    return read.flow;
  }

  private latestVersions(): Map<string, number> {
    const rows = this.db
      .select({ flowId: flowVersions.flowId, version: sql<number>`max(${flowVersions.version})` })
      .from(flowVersions)
      .groupBy(flowVersions.flowId)
      .all();
    return new Map(rows.map((row) => [row.flowId, row.version]));
  }

  private versionsOf(id: FlowId): FlowVersionSummary[] {
    // json_valid guards json_array_length: one damaged version must not fail the whole query.
    return this.db
      .select({
        version: flowVersions.version,
        publishedAt: flowVersions.publishedAt,
        nodeCount: sql<number>`case when json_valid(${flowVersions.documentJson}) then coalesce(json_array_length(${flowVersions.documentJson}, '$.graph.nodes'), 0) else 0 end`,
        note: flowVersions.note,
      })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, id))
      .orderBy(desc(flowVersions.version))
      .all();
  }

  private detailOf(flow: ReadableFlow): FlowDetail {
    const id = asFlowId(flow.row.id);
    return {
      id,
      name: flow.row.name,
      description: flow.row.description,
      status: flow.status,
      settings: flow.settings,
      graph: flow.graph,
      revision: flow.row.draftRevision,
      createdAt: flow.row.createdAt,
      updatedAt: flow.row.updatedAt,
      versions: this.versionsOf(id),
      hasUnpublishedChanges: hasUnpublishedChanges(flow.row),
      validation: validateFlow(flow.graph),
    };
  }
}

/** Never published, or edited since the last publish. Renames do not count: names are not versioned. */
function hasUnpublishedChanges(row: FlowRow): boolean {
  return row.publishedRevision === null || row.publishedRevision !== row.draftRevision;
}

function documentOf(flow: ReadableFlow): FlowDocument {
  return {
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: flow.row.name,
    description: flow.row.description,
    settings: flow.settings,
    graph: flow.graph,
  };
}

function readRow(row: FlowRow): RowRead {
  const status = FlowStatus.safeParse(row.status);
  if (!status.success) return { ok: false, error: corruptError(row.name, `unknown status "${row.status.slice(0, 40)}"`) };
  const settings = parseColumn(row.settingsJson, FlowSettings, 'settings');
  if (!settings.ok) return { ok: false, error: corruptError(row.name, settings.problem) };
  const graph = parseColumn(row.draftGraphJson, FlowGraph, 'draft graph');
  if (!graph.ok) return { ok: false, error: corruptError(row.name, graph.problem) };
  return { ok: true, flow: { row, status: status.data, settings: settings.value, graph: graph.value } };
}

type Schema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof describeZodError>[0] } };

function parseColumn<T>(json: string, schema: Schema<T>, what: string): { ok: true; value: T } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, problem: `its ${what} is not valid JSON` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: `its ${what} is damaged (${describeZodError(parsed.error, 1)})` };
  return { ok: true, value: parsed.data };
}

function corruptError(name: string, problem: string): ApiError {
  return { code: 'FLOW_CORRUPT', message: `The flow "${name}" cannot be opened: ${problem}.` };
}

function corrupt(name: string, problem: string): PostcardError {
  const error = corruptError(name, problem);
  return new PostcardError(error.code, error.message);
}

function notFound(id: string): PostcardError {
  return new PostcardError('NOT_FOUND', `no flow with id "${id}"`);
}

function clampName(name: string): string {
  const trimmed = name.trim();
  return trimmed.length > MAX_NAME ? `${trimmed.slice(0, MAX_NAME - 1)}…` : trimmed;
}

function parseJsonOrNull(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}
