import type { SqliteDatabase } from '../../db/open';
import { AnalyticsService } from '../../analytics/service';
import type { HandlerContext, HandlerMap } from '../context';

/** One analytics service per open database, made on first use. */
const services = new WeakMap<SqliteDatabase, AnalyticsService>();

function analyticsFor(ctx: Pick<HandlerContext, 'sqlite'>): AnalyticsService {
  let service = services.get(ctx.sqlite);
  if (!service) {
    service = new AnalyticsService(ctx.sqlite);
    services.set(ctx.sqlite, service);
  }
  return service;
}

export const analyticsHandlers = {
  'analytics.flow': async (input, ctx) => analyticsFor(ctx).flow(input.flowId, input.range),
  'analytics.split': async (input, ctx) => analyticsFor(ctx).split(input),
  'analytics.workspace': async (input, ctx) => analyticsFor(ctx).workspace(input.range),
  'analytics.settings': async (_input, ctx) => analyticsFor(ctx).settings(),
  'analytics.saveSettings': async (input, ctx) => analyticsFor(ctx).saveSettings(input),
  'analytics.exportMessages': async (input, ctx) => analyticsFor(ctx).exportMessages(input.flowId, input.range),
  'analytics.history': async (input, ctx) => analyticsFor(ctx).history(input.flowId),
} satisfies HandlerMap;
