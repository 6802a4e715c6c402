import { z } from 'zod';
import type { FlowStatus } from '../flow/settings';
import type { ContactTimeline, MmsCapability, NodeCounts, SimulationResult } from '../engine/types';
import { SimulationOptions } from '../engine/simulation';
import { AttributeName, AttributeType } from '../audience/segment';
import { method } from './method';

/** The journey engine: contact and event intake, dry-runs, live counts, timelines, run control. */

const flowId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a flow id');
/** Chosen by the caller of engine.simulate, so it can cancel that run. */
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a run id');
/** Intake payloads are text; the CLI reads a file and sends its content. */
const MAX_INTAKE_CHARS = 64 * 1024 * 1024;

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ContactsImportResult {
  created: number;
  updated: number;
  skipped: number;
  consentRecords: number;
  /** The first problems found, by line; those rows were skipped. */
  problems: ImportProblem[];
  /** The file's header row, as written. */
  columns: string[];
  /** Refused rows as they were in the file (the first MAX_REFUSED_ROWS), with their line and why: what the user downloads to fix. */
  refused: Array<ImportProblem & { values: string[] }>;
}

/** How many refused rows an import gives back whole; `skipped` counts them all. */
export const MAX_REFUSED_ROWS = 100_000;

/** The contact fields a CSV column can fill; any other column is an attribute or ignored. */
export const contactFields = ['phone', 'time_zone', 'mms_capable', 'consent', 'consent_channel', 'consent_source', 'consent_at'] as const;
export type ContactField = (typeof contactFields)[number];

/** "First Name" → "first_name": how a header is matched to a field, and the name a new attribute gets. */
export const headerKey = (header: string): string =>
  header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/** What one CSV column becomes (the column-mapping step). */
export const ColumnMapping = z.discriminatedUnion('as', [
  z.object({ as: z.literal('field'), field: z.enum(contactFields) }).strict(),
  /** An attribute of this name and type; a new name is declared in the catalog with the type. */
  z.object({ as: z.literal('attribute'), name: AttributeName, type: AttributeType }).strict(),
  z.object({ as: z.literal('ignore') }).strict(),
]);
export type ColumnMapping = z.infer<typeof ColumnMapping>;

export interface ImportColumn {
  header: string;
  /** The first few values, for the mapping step to show. */
  samples: string[];
  /** What Postcard would make of it: a field by its name, a declared attribute with its type, or a new one typed by its values. */
  guess: ColumnMapping;
  /** An attribute already in the catalog (its type is fixed). */
  isDeclared: boolean;
}

export interface EventsIngestResult {
  ingested: number;
  contactsCreated: number;
  skipped: number;
  problems: ImportProblem[];
}

export interface ContactSummary {
  id: number;
  phone: string;
  timeZone: string | null;
  mmsCapable: MmsCapability;
  attributes: Record<string, unknown>;
  /** ISO instant the contact was first imported or seen. */
  createdAt: string;
}

export interface ContactsSearchResult {
  /** The newest matches first, at most `limit`, after skipping `offset`. */
  contacts: ContactSummary[];
  /** How many contacts match the query in all. */
  matched: number;
  /** How many matches came before these (the request's offset). */
  offset: number;
  /** How many contacts there are in all (what "simulate with the imported contacts" would use). */
  total: number;
}

export interface FlowNodeCounts {
  flowId: string;
  nodes: Record<string, NodeCounts>;
}

export interface EnrollResult {
  enrolled: number;
  /** Phones given that are not contacts (import them first). */
  unknownPhones: string[];
  /** Contacts the flow's re-entry rule kept out. */
  refused: number;
}

export interface RunControlResult {
  flowId: string;
  status: FlowStatus;
  cancelledMessages: number;
  exitedEnrollments: number;
}

export const engineContract = {
  'contacts.import': method(
    z
      .object({
        csv: z.string().max(MAX_INTAKE_CHARS),
        /** One entry per column of the header row, in order; without it each column is taken as guessed. */
        mapping: z.array(ColumnMapping).max(500).optional(),
        /** Named in each consent record's detail, for audits. */
        fileName: z.string().max(200).optional(),
        /** Names the import: `contacts.importProgress` events carry it. */
        importId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an import id').optional(),
        /** Rows of the whole file before this part (the renderer sends a large file in parts), for progress and line numbers. */
        rowsBefore: z.number().int().min(0).max(100_000_000).default(0),
        /** Rows in the whole file, for progress. */
        rowsTotal: z.number().int().min(0).max(100_000_000).optional(),
      })
      .strict(),
  ).returns<ContactsImportResult>(),
  /** The mapping step: a file's columns (its first rows are enough) with what each would become. */
  'contacts.importColumns': method(z.object({ csv: z.string().max(4 * 1024 * 1024) }).strict()).returns<{ columns: ImportColumn[] }>(),
  'contacts.timeline': method(z.object({ phone: z.string().min(3).max(32) }).strict()).returns<ContactTimeline>(),
  /** Find contacts by the digits of their phone number or by attribute text; a blank query lists the newest. */
  'contacts.search': method(
    z
      .object({
        query: z.string().max(64).default(''),
        limit: z.number().int().min(1).max(200).default(25),
        /** How many matches to skip: the list pages through every contact. */
        offset: z.number().int().min(0).max(100_000_000).default(0),
        /** Only the members of this saved segment now (its latest version, as its live count reads it). */
        segmentId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a segment id').optional(),
      })
      .strict(),
  ).returns<ContactsSearchResult>(),
  'events.ingest': method(z.object({ ndjson: z.string().max(MAX_INTAKE_CHARS) }).strict()).returns<EventsIngestResult>(),
  /** Dry-run a flow's current draft (or a given document) in a private database. */
  'engine.simulate': method(
    z
      .object({
        flowId: flowId.optional(),
        /** An untrusted flow document; upgraded and validated like an import. */
        document: z.unknown().optional(),
        options: SimulationOptions.default(SimulationOptions.parse({})),
        /** Names the run: engine.cancelSimulation stops it, and `engine.simulationProgress` events carry it. */
        runId: runId.optional(),
      })
      .strict()
      .refine((input) => (input.flowId === undefined) !== (input.document === undefined), 'give either flowId or document'),
  ).returns<SimulationResult>(),
  /** Stops a running simulation; its engine.simulate call then fails with CANCELLED. */
  'engine.cancelSimulation': method(z.object({ runId }).strict()).returns<{ runId: string; wasRunning: boolean }>(),
  'engine.nodeCounts': method(z.object({ flowId }).strict()).returns<FlowNodeCounts>(),
  'engine.enroll': method(z.object({ flowId, phones: z.array(z.string().min(3).max(32)).min(1).max(100_000) }).strict()).returns<EnrollResult>(),
  'engine.pause': method(z.object({ flowId }).strict()).returns<RunControlResult>(),
  'engine.resume': method(z.object({ flowId }).strict()).returns<RunControlResult>(),
  /** Stop a flow for good: queued messages are cancelled and enrollments end with the reason. */
  'engine.archive': method(z.object({ flowId, reason: z.string().trim().min(1).max(200).default('archived') }).strict()).returns<RunControlResult>(),
} as const;
