import { PreferenceService } from '../../audience/preferences';
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
    if (!input.isConfirmed) return { matched: ids.length, enrolled: 0, refused: 0 };
    return { matched: ids.length, ...engineFor(ctx).enrollContactIds(input.flowId, ids) };
  },
  'contacts.preferences': async (input, ctx) => audienceFor(ctx).preferences.preferences(input.phone),
  'contacts.setPreference': async (input, ctx) => audienceFor(ctx).preferences.change(input.phone, input.change, input.source, input.detail),
  'consent.exportCsv': async (_input, ctx) => audienceFor(ctx).preferences.ledgerCsv(),
} satisfies HandlerMap;
