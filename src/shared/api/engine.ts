import { z } from 'zod';
import type { FlowStatus } from '../flow/settings';
import type { ContactTimeline, MmsCapability, NodeCounts, SimulationResult } from '../engine/types';
import { SimulationOptions } from '../engine/simulation';
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
  'contacts.import': method(z.object({ csv: z.string().max(MAX_INTAKE_CHARS) }).strict()).returns<ContactsImportResult>(),
  'contacts.timeline': method(z.object({ phone: z.string().min(3).max(32) }).strict()).returns<ContactTimeline>(),
  /** Find contacts by the digits of their phone number or by attribute text; a blank query lists the newest. */
  'contacts.search': method(
    z
      .object({
        query: z.string().max(64).default(''),
        limit: z.number().int().min(1).max(200).default(25),
        /** How many matches to skip: the list pages through every contact. */
        offset: z.number().int().min(0).max(100_000_000).default(0),
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
