import { z } from 'zod';
import type { FlowDocument } from '../flow/document';
import type { FlowStatus } from '../flow/settings';
import { FlowSettings } from '../flow/settings';
import { FlowGraph } from '../graph/graph';
import type { FlowValidation } from '../graph/validate';
import type { FlowId } from '../ids';
import type { ApiError } from './result';
import { method } from './method';

/** Flow documents: list, edit, publish, import/export. */

const flowId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a flow id')
  .transform((value) => value as FlowId);
const flowName = z.string().trim().min(1, 'a flow needs a name').max(120, 'names are at most 120 characters');

export interface FlowSummary {
  id: FlowId;
  name: string;
  status: FlowStatus;
  createdAt: string;
  updatedAt: string;
  nodeCount: number;
  latestVersion: number | null;
  hasUnpublishedChanges: boolean;
  /** Set when the stored flow cannot be read; the rest of the list still opens. */
  error?: ApiError;
}

export interface FlowVersionSummary {
  version: number;
  publishedAt: string;
  nodeCount: number;
  /** Why the version was made when Postcard made it (a split's auto-winner), else null. */
  note: string | null;
}

export interface FlowDetail {
  id: FlowId;
  name: string;
  description: string;
  status: FlowStatus;
  settings: FlowSettings;
  graph: FlowGraph;
  /** Increments on every draft save; a save based on an older revision is refused (CONFLICT). */
  revision: number;
  createdAt: string;
  updatedAt: string;
  versions: FlowVersionSummary[];
  hasUnpublishedChanges: boolean;
  validation: FlowValidation;
}

export interface SaveDraftResult {
  revision: number;
  updatedAt: string;
  /** False when the saved draft is the latest published version again (an undo back to it). */
  hasUnpublishedChanges: boolean;
  validation: FlowValidation;
}

export interface PublishResult {
  version: number;
  publishedAt: string;
  status: FlowStatus;
}

/** Who sends a flow once it is live. */
export type ReviewSender =
  | { kind: 'simulator' }
  | { kind: 'account'; id: string; name: string; provider: string; sender: string; messagesPerSecond: number; dailyCap: number | null }
  /** The flow names an account this computer does not have (publishing is refused). */
  | { kind: 'missing'; id: string };

/** What confirming a publish would set going: shown before the flow goes live. */
export interface PublishReview {
  flowId: FlowId;
  name: string;
  /** The version confirming creates (the latest when nothing changed since). */
  nextVersion: number;
  sender: ReviewSender;
  audience: {
    /**
     * Contacts who could receive the flow now: opted in to its first message's channel, not
     * paused, subscribed to its category, and (for a segment trigger) in the segment.
     */
    eligibleNow: number;
    /** What `eligibleNow` counts, in words ("opted in to SMS, not paused, subscribed to promotions"). */
    basis: string;
    /** Where the eligible contacts are, largest first (at most 6 zones), and whether sending is held there now. */
    timeZones: Array<{ timeZone: string; contacts: number; localTime: string; isQuietNow: boolean }>;
  };
  sendWindow: { isQuietHoursEnabled: boolean; start: string; end: string; defaultTimeZone: string };
  /** A dry-run of the flow, priced at the workspace's price table, per channel; null when it could not run. */
  forecast: {
    /** Simulated entrants the figures are scaled from. */
    simulatedContacts: number;
    days: number;
    currency: string;
    /** Per 1,000 contacts who enter, and for all `eligibleNow`. */
    channels: Array<{ channel: 'sms' | 'mms'; messagesPerThousand: number; costPerThousand: number; messagesForEligible: number; costForEligible: number }>;
    totalPerThousand: number;
    totalForEligible: number;
  } | null;
  forecastProblem: string | null;
  /** Validation (with media and compliance) and the sending prerequisites: errors block, warnings do not. */
  issues: Array<{ code: string; severity: 'error' | 'warning'; message: string; nodeId?: string }>;
  canPublish: boolean;
}

export interface AppInfo {
  name: 'Postcard';
  version: string;
  dataDir: string;
  transport: 'ipc' | 'http';
}

export const flowsContract = {
  'app.info': method(z.object({}).strict()).returns<AppInfo>(),
  'flows.list': method(z.object({ search: z.string().max(200).optional() }).strict()).returns<FlowSummary[]>(),
  'flows.get': method(z.object({ id: flowId }).strict()).returns<FlowDetail>(),
  'flows.create': method(z.object({ name: flowName }).strict()).returns<FlowDetail>(),
  'flows.rename': method(z.object({ id: flowId, name: flowName }).strict()).returns<FlowSummary>(),
  'flows.saveDraft': method(
    z
      .object({
        id: flowId,
        /** The revision the editor started from; omit to overwrite unconditionally. */
        baseRevision: z.number().int().min(0).optional(),
        graph: FlowGraph,
        settings: FlowSettings.optional(),
        description: z.string().max(2000).optional(),
      })
      .strict(),
  ).returns<SaveDraftResult>(),
  /** What publishing would set going (sender, audience, send window, cost, warnings); changes nothing. */
  'flows.review': method(z.object({ id: flowId }).strict()).returns<PublishReview>(),
  'flows.publish': method(z.object({ id: flowId }).strict()).returns<PublishResult>(),
  'flows.duplicate': method(z.object({ id: flowId, name: flowName.optional() }).strict()).returns<FlowDetail>(),
  'flows.delete': method(z.object({ id: flowId }).strict()).returns<{ id: FlowId }>(),
  /** `document` is untrusted JSON; it is upgraded and validated by the import service. */
  'flows.import': method(z.object({ document: z.unknown(), name: flowName.optional() }).strict()).returns<FlowDetail>(),
  'flows.export': method(
    z.object({ id: flowId, version: z.number().int().min(1).optional() }).strict(),
  ).returns<FlowDocument>(),
} as const;
