import { bulkChange } from '../../audience/bulk';
import { complianceFactsFor } from '../../audience/complianceFacts';
import { PreferenceService } from '../../audience/preferences';
import { checkEnrollAt, scheduleEnrollments } from '../../audience/scheduledEnroll';
import { PostcardError } from '../../../shared/api/result';
import type { FlowId } from '../../../shared/ids';
import { readWorkspaceSettings, saveWorkspaceSettings } from '../../audience/workspace';
import { SegmentService } from '../../audience/segments';
import type { SqliteDatabase } from '../../db/open';
import { engineFor } from './engine';
import type { HandlerContext, HandlerMap } from '../context';

/** One segment and one preference service per open database, created on first use. */
const services = new WeakMap<SqliteDatabase, { segments: SegmentService; preferences: PreferenceService }>();

export function audienceFor(ctx: Pick<HandlerContext, 'sqlite'>): { segments: SegmentService; preferences: PreferenceService } {
  let service = services.get(ctx.sqlite);
  if (!service) {
    service = { segments: new SegmentService(ctx.sqlite), preferences: new PreferenceService(ctx.sqlite) };
    services.set(ctx.sqlite, service);
  }
  return service;
}

export const audienceHandlers = {
  'audience.catalog': async (_input, ctx) => audienceFor(ctx).segments.catalog(),
  'audience.declareAttribute': async (input, ctx) => audienceFor(ctx).segments.declareAttribute(input.name, input.type),
  'audience.saveCategory': async (input, ctx) => audienceFor(ctx).segments.saveCategory(input),
  'audience.archiveCategory': async (input, ctx) => audienceFor(ctx).segments.archiveCategory(input.id),
  'segments.preview': async (input, ctx) => audienceFor(ctx).segments.preview(input.definition, input.sampleSize),
  'segments.list': async (input, ctx) => audienceFor(ctx).segments.list(input.includeArchived, input.withCounts),
  'segments.get': async (input, ctx) => audienceFor(ctx).segments.get(input.id),
  'segments.save': async (input, ctx) => audienceFor(ctx).segments.save(input),
  'segments.archive': async (input, ctx) => audienceFor(ctx).segments.archive(input.id),
  'segments.delete': async (input, ctx) => audienceFor(ctx).segments.delete(input.id),
  'segments.enroll': async (input, ctx) => {
    const { segments } = audienceFor(ctx);
    const ids = segments.memberIdsNow(input.segmentId);
    const defaultZone = readWorkspaceSettings(ctx.sqlite).defaultTimeZone;
    // A date that does not exist is refused before the count is shown, not after the confirmation.
    if (input.at) checkEnrollAt(input.at, defaultZone);
    if (!input.isConfirmed) return { matched: ids.length, enrolled: 0, refused: 0 };
    if (!input.at) return { matched: ids.length, ...engineFor(ctx).enrollContactIds(input.flowId, ids) };
    if (ctx.services.flows.get(input.flowId as FlowId).status !== 'live') throw new PostcardError('CONFLICT', 'only a live flow can enroll contacts; publish it first');
    return { matched: ids.length, enrolled: 0, refused: 0, scheduled: scheduleEnrollments(ctx.sqlite, input.flowId, ids, input.at, defaultZone, Date.now()) };
  },
  'contacts.preferences': async (input, ctx) => audienceFor(ctx).preferences.preferences(input.phone),
  'contacts.setPreference': async (input, ctx) => audienceFor(ctx).preferences.change(input.phone, input.change, input.source, input.detail),
  'contacts.bulk': async (input, ctx) =>
    bulkChange(ctx.sqlite, input, Date.now(), (flowIds) => {
      // Lists and live counts refresh: the canvas overlay on the flows whose enrollments ended, the Contacts page always.
      if (flowIds.length > 0) ctx.events.emit({ type: 'engine.countsChanged', flowIds });
      ctx.events.emit({ type: 'contacts.changed' });
    }),
  'consent.exportCsv': async (_input, ctx) => audienceFor(ctx).preferences.ledgerCsv(),
  'workspace.settings': async (_input, ctx) => readWorkspaceSettings(ctx.sqlite),
  'workspace.saveSettings': async (input, ctx) => saveWorkspaceSettings(ctx.sqlite, input, Date.now()),
  'audience.complianceFacts': async (input, ctx) =>
    complianceFactsFor(ctx.sqlite, { channel: input.channel, category: input.category, segment: input.segment }, input.sendingAccountId, (id) => ctx.services.accounts.find(id), Date.now()),
} satisfies HandlerMap;
