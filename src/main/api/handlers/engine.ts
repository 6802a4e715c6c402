import { PostcardError } from '../../../shared/api/result';
import { parseFlowDocument } from '../../../shared/flow/document';
import type { SqliteDatabase } from '../../db/open';
import { EngineService } from '../../engine/service';
import type { HandlerContext, HandlerMap } from '../context';

/**
 * One engine service per open database, created on first use so the composition root needs no
 * engine wiring to serve these methods; live count changes go out as `engine.countsChanged`.
 */
const services = new WeakMap<SqliteDatabase, EngineService>();

export function engineFor(ctx: Pick<HandlerContext, 'sqlite' | 'events'>): EngineService {
  let service = services.get(ctx.sqlite);
  if (!service) {
    service = new EngineService({
      sqlite: ctx.sqlite,
      onCountsChanged: (flowIds) => ctx.events.emit({ type: 'engine.countsChanged', flowIds }),
    });
    services.set(ctx.sqlite, service);
  }
  return service;
}

export const engineHandlers = {
  'contacts.import': async (input, ctx) => engineFor(ctx).importContacts(input.csv),
  'contacts.timeline': async (input, ctx) => engineFor(ctx).timeline(input.phone),
  'events.ingest': async (input, ctx) => engineFor(ctx).ingestEvents(input.ndjson),
  'engine.simulate': async (input, ctx) => {
    let document;
    if (input.flowId !== undefined) {
      document = ctx.services.flows.export(input.flowId as Parameters<typeof ctx.services.flows.export>[0]);
    } else {
      const parsed = parseFlowDocument(input.document);
      if (!parsed.ok) throw new PostcardError(parsed.error.code, parsed.error.message);
      document = parsed.document;
    }
    return engineFor(ctx).simulate(document, input.options);
  },
  'engine.nodeCounts': async (input, ctx) => engineFor(ctx).nodeCounts(input.flowId),
  'engine.enroll': async (input, ctx) => engineFor(ctx).enroll(input.flowId, input.phones),
  'engine.pause': async (input, ctx) => engineFor(ctx).pause(input.flowId),
  'engine.resume': async (input, ctx) => engineFor(ctx).resume(input.flowId),
  'engine.archive': async (input, ctx) => engineFor(ctx).archive(input.flowId, input.reason),
} satisfies HandlerMap;
