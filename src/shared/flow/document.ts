import { z } from 'zod';
import { FlowGraph } from '../graph/graph';
import { FlowSettings, defaultFlowSettings } from './settings';

/**
 * The portable flow document: what `flows export` writes, `flows import` reads, and what the
 * samples in resources/flows are. Older documents are upgraded by pure migrations, one per
 * schema version, so a file exported by any release of Postcard still opens.
 */
export const FLOW_DOCUMENT_FORMAT = 'postcard.flow';
export const CURRENT_SCHEMA_VERSION = 2;
/** Documents larger than this are refused before parsing (import, HTTP bodies). */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

export const FlowDocument = z.object({
  format: z.literal(FLOW_DOCUMENT_FORMAT),
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  name: z.string().trim().min(1, 'a flow needs a name').max(120),
  description: z.string().max(2000).default(''),
  settings: FlowSettings,
  graph: FlowGraph,
});
export type FlowDocument = z.infer<typeof FlowDocument>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Version 1 (the first preview) named output ports after React Flow's handles
 * (`sourceHandle`) and had no flow settings. Version 2 speaks of ports and carries settings.
 */
function v1ToV2(doc: Json): Json {
  const graph = isObject(doc.graph) ? doc.graph : {};
  const edges = Array.isArray(graph.edges) ? graph.edges : [];
  return {
    ...doc,
    schemaVersion: 2,
    settings: isObject(doc.settings) ? { ...defaultFlowSettings(), ...doc.settings } : defaultFlowSettings(),
    graph: {
      ...graph,
      edges: edges.map((edge: unknown) => {
        if (!isObject(edge)) return edge;
        const { sourceHandle, ...rest } = edge;
        return { ...rest, sourcePort: rest.sourcePort ?? sourceHandle ?? 'next' };
      }),
    },
  };
}

const migrations: Record<number, (doc: Json) => Json> = { 1: v1ToV2 };

export type DocumentProblem = { code: 'DOCUMENT_INVALID' | 'DOCUMENT_TOO_NEW'; message: string };
export type DocumentParse = { ok: true; document: FlowDocument; upgradedFrom: number | null } | { ok: false; error: DocumentProblem };

/** Upgrade and validate an untrusted document. Never throws. */
export function parseFlowDocument(input: unknown): DocumentParse {
  if (!isObject(input)) return invalid('the file is not a flow document (expected a JSON object)');
  if (input.format !== FLOW_DOCUMENT_FORMAT) return invalid(`the file is not a Postcard flow (format should be "${FLOW_DOCUMENT_FORMAT}")`);
  const version = input.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return invalid('schemaVersion is missing or not a positive whole number');
  if (version > CURRENT_SCHEMA_VERSION) {
    return {
      ok: false,
      error: { code: 'DOCUMENT_TOO_NEW', message: `this flow was saved by a newer Postcard (schema ${version}; this one reads up to ${CURRENT_SCHEMA_VERSION})` },
    };
  }
  let doc: Json = input;
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v++) {
    const migrate = migrations[v];
    if (!migrate) return invalid(`no upgrade from schema ${v}`);
    doc = migrate(doc);
  }
  const parsed = FlowDocument.safeParse(doc);
  if (!parsed.success) return invalid(describeZodError(parsed.error));
  return { ok: true, document: parsed.data, upgradedFrom: version === CURRENT_SCHEMA_VERSION ? null : version };
}

function invalid(message: string): DocumentParse {
  return { ok: false, error: { code: 'DOCUMENT_INVALID', message } };
}

/** "graph.nodes[3].config.body: expected string" — the first few problems, with their paths. */
export function describeZodError(error: z.ZodError, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path
      .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`))
      .join('');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > limit ? ` (and ${error.issues.length - limit} more)` : '';
  return parts.join('; ') + more;
}
