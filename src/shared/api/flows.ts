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
  'flows.publish': method(z.object({ id: flowId }).strict()).returns<PublishResult>(),
  'flows.duplicate': method(z.object({ id: flowId, name: flowName.optional() }).strict()).returns<FlowDetail>(),
  'flows.delete': method(z.object({ id: flowId }).strict()).returns<{ id: FlowId }>(),
  /** `document` is untrusted JSON; it is upgraded and validated by the import service. */
  'flows.import': method(z.object({ document: z.unknown(), name: flowName.optional() }).strict()).returns<FlowDetail>(),
  'flows.export': method(
    z.object({ id: flowId, version: z.number().int().min(1).optional() }).strict(),
  ).returns<FlowDocument>(),
} as const;
