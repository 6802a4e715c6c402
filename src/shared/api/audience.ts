import { z } from 'zod';
import type { SegmentProblem } from '../audience/check';
import { AttributeName, AttributeType, CategoryId, SegmentDefinition } from '../audience/segment';
import { channels, type Channel } from '../engine/types';
import { WorkspaceSettings } from '../audience/workspace';
import { LocalTime } from '../flow/settings';
import { method } from './method';

/** Audience: segments, the attribute and category catalog, and each contact's preferences and consent ledger. */

const segmentId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a segment id');
const phone = z.string().min(3).max(32);

export const consentSources = ['import', 'keyword', 'web_form', 'api', 'agent'] as const;
export const ConsentSource = z.enum(consentSources);
export type ConsentSource = z.infer<typeof ConsentSource>;

export interface SegmentEnrollResult {
  matched: number;
  enrolled: number;
  refused: number;
  /** With `at`, once confirmed: how many entries were stored, and the first and last moment (ISO, UTC) they fall due. */
  scheduled?: { scheduled: number; firstAt: string | null; lastAt: string | null };
}

/** What the editor's compliance checks need from the workspace and the database (see ComplianceFacts). */
export interface FlowComplianceFacts {
  brandName: string;
  /** The flow's sending account, when it has one on this computer: name and channels only. */
  sendingAccounts: Array<{ id: string; name: string; channels: Channel[] }>;
  unrecordedConsentContacts: number;
}

export interface AttributeInfo {
  name: string;
  type: AttributeType;
}

export interface CategoryInfo {
  id: string;
  label: string;
  description: string;
  isDefaultSubscribed: boolean;
}

export interface AudienceCatalog {
  attributes: AttributeInfo[];
  categories: CategoryInfo[];
}

export interface SegmentPreview {
  /** How many contacts match now; null when the rules have problems. */
  count: number | null;
  sample: Array<{ id: number; phone: string; timeZone: string | null; attributes: Record<string, unknown> }>;
  problems: SegmentProblem[];
}

export interface SegmentUse {
  flowId: string;
  flowName: string;
  flowVersion: number;
  segmentVersion: number;
}

export interface SegmentSummary {
  id: string;
  name: string;
  status: 'active' | 'archived';
  /** The latest saved version. */
  version: number;
  updatedAt: string;
  /** How many contacts match it now, when asked for (null when its rules no longer fit the data). */
  count?: number | null;
}

export interface SegmentDetail extends SegmentSummary {
  description: string;
  definition: SegmentDefinition;
  versions: Array<{ id: string; version: number; createdAt: string }>;
  usedBy: SegmentUse[];
}

export type ChannelConsentState = 'opted_in' | 'opted_out' | 'none';

export interface LedgerEntry {
  id: number;
  at: string;
  kind: string;
  channel: string;
  category: string | null;
  source: string;
  keyword: string | null;
  detail: string | null;
}

export interface ContactPreferences {
  contactId: number;
  phone: string;
  channels: { sms: ChannelConsentState; mms: ChannelConsentState };
  categories: Array<CategoryInfo & { isSubscribed: boolean; isChosen: boolean }>;
  /** ISO instant, or null when not paused. */
  pausedUntil: string | null;
  /** Newest first. */
  ledger: LedgerEntry[];
}

export const PreferenceChange = z.discriminatedUnion('type', [
  z.object({ type: z.literal('channel'), channel: z.enum(['sms', 'mms', 'all']), state: z.enum(['opted_in', 'opted_out']) }),
  z.object({ type: z.literal('category'), category: CategoryId, state: z.enum(['subscribed', 'unsubscribed']) }),
  /** until: an ISO date or instant; null ends a pause. */
  z.object({ type: z.literal('pause'), until: z.string().max(40).nullable() }),
]);
export type PreferenceChange = z.infer<typeof PreferenceChange>;

/** Which contacts a bulk action touches: those ticked in the list, or everyone the list's search and segment match. */
export const BulkTarget = z.discriminatedUnion('type', [
  z.object({ type: z.literal('contacts'), contactIds: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
  z.object({ type: z.literal('matching'), query: z.string().max(64).default(''), segmentId: segmentId.optional() }).strict(),
]);
export type BulkTarget = z.infer<typeof BulkTarget>;

export const BulkAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), category: CategoryId }).strict(),
  z.object({ type: z.literal('unsubscribe'), category: CategoryId }).strict(),
  z.object({ type: z.literal('opt_out'), channel: z.enum(['sms', 'mms', 'all']).default('all') }).strict(),
  /** The contacts go; their consent ledger stays, with the number, and comes back if the number does. */
  z.object({ type: z.literal('delete') }).strict(),
]);
export type BulkAction = z.infer<typeof BulkAction>;

export interface BulkResult {
  /** Contacts the action touches (without isConfirmed: what the confirmation says). */
  matched: number;
  /** Contacts changed (0 until confirmed). */
  changed: number;
}

export const audienceContract = {
  'audience.catalog': method(z.object({}).strict()).returns<AudienceCatalog>(),
  /** Declare (or retype) a contact attribute so segment rules can use it. */
  'audience.declareAttribute': method(z.object({ name: AttributeName, type: AttributeType }).strict()).returns<AudienceCatalog>(),
  'audience.saveCategory': method(
    z.object({ id: CategoryId, label: z.string().trim().min(1).max(80), description: z.string().max(400).default(''), isDefaultSubscribed: z.boolean() }).strict(),
  ).returns<AudienceCatalog>(),
  'audience.archiveCategory': method(z.object({ id: CategoryId }).strict()).returns<AudienceCatalog>(),

  /** The live count and a sample for a definition being edited; problems come back as data. */
  'segments.preview': method(z.object({ definition: SegmentDefinition, sampleSize: z.number().int().min(0).max(50).default(10) }).strict()).returns<SegmentPreview>(),
  'segments.list': method(z.object({ includeArchived: z.boolean().default(false), withCounts: z.boolean().default(false) }).strict()).returns<SegmentSummary[]>(),
  'segments.get': method(z.object({ id: segmentId }).strict()).returns<SegmentDetail>(),
  /** Create (no id) or save a new version of a segment; a definition that does not fit the data is refused. */
  'segments.save': method(
    z.object({ id: segmentId.optional(), name: z.string().trim().min(1).max(120), description: z.string().max(1000).default(''), definition: SegmentDefinition }).strict(),
  ).returns<SegmentDetail>(),
  'segments.archive': method(z.object({ id: segmentId }).strict()).returns<SegmentDetail>(),
  /** Refused with CONFLICT while a flow version uses the segment: archive it instead. */
  'segments.delete': method(z.object({ id: segmentId }).strict()).returns<{ id: string }>(),

  /**
   * "Enroll a segment" on a live flow: without isConfirmed only counts who matches now (what the
   * confirmation shows); with it, enrolls them (the flow's re-entry rule still decides).
   */
  'segments.enroll': method(
    z
      .object({
        segmentId,
        flowId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a flow id'),
        isConfirmed: z.boolean().default(false),
        /**
         * A scheduled broadcast: each contact enters at this local date and time in their own zone
         * (contacts without one: the workspace's default zone) instead of now.
         */
        at: z
          .object({
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
            time: LocalTime,
          })
          .strict()
          .optional(),
      })
      .strict(),
  ).returns<SegmentEnrollResult>(),

  'contacts.preferences': method(z.object({ phone }).strict()).returns<ContactPreferences>(),
  /** One change to a contact's preferences, recorded in the consent ledger with its source. */
  'contacts.setPreference': method(
    z.object({ phone, change: PreferenceChange, source: ConsentSource, detail: z.string().max(400).optional() }).strict(),
  ).returns<ContactPreferences>(),
  /**
   * One change to many contacts, each recorded in the ledger with source `agent` and the reason
   * (an opt-out needs one). Without isConfirmed only counts who it touches.
   */
  'contacts.bulk': method(
    z.object({ target: BulkTarget, action: BulkAction, reason: z.string().trim().max(400).default(''), isConfirmed: z.boolean().default(false) }).strict(),
  ).returns<BulkResult>(),
  /** The whole consent ledger as CSV, for audits. */
  'consent.exportCsv': method(z.object({}).strict()).returns<{ csv: string; rows: number }>(),

  /** Settings → Workspace: the brand name, the default time zone, extra inbound keywords. */
  'workspace.settings': method(z.object({}).strict()).returns<WorkspaceSettings>(),
  /** Replaces the workspace settings; a duplicate or built-in keyword, or a zone that does not exist, is refused by name. */
  'workspace.saveSettings': method(WorkspaceSettings).returns<WorkspaceSettings>(),
  /** The facts the editor's compliance checks read, for the draft's reach (first channel, category, segment) and account. */
  'audience.complianceFacts': method(
    z
      .object({
        channel: z.enum(channels),
        category: z.string().max(60).nullable(),
        segment: z.string().max(200).nullable(),
        sendingAccountId: z.string().max(64).nullable(),
      })
      .strict(),
  ).returns<FlowComplianceFacts>(),
} as const;
