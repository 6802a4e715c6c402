import type { SqliteDatabase } from '../../db/open';
import { guessColumns, readCsv } from '../../contacts/columns';
import { searchContacts } from '../../contacts/search';
import { EngineService } from '../../engine/service';
import { cancelSimulation } from '../../engine/simulationHost';
import { parseUntrustedDocument } from '../../services/untrusted';
import type { HandlerContext, HandlerMap } from '../context';

/**
 * One engine service per open database, created on first use so the composition root needs no
 * engine wiring to serve these methods; live count changes go out as `engine.countsChanged`.
 */
const services = new WeakMap<SqliteDatabase, EngineService>();

export function engineFor(ctx: Pick<HandlerContext, 'sqlite' | 'events' | 'nativeBinding'>): EngineService {
  let service = services.get(ctx.sqlite);
  if (!service) {
    service = new EngineService({
      sqlite: ctx.sqlite,
      nativeBinding: ctx.nativeBinding,
      onCountsChanged: (flowIds) => ctx.events.emit({ type: 'engine.countsChanged', flowIds }),
    });
    services.set(ctx.sqlite, service);
  }
  return service;
}

export const engineHandlers = {
  'contacts.import': async (input, ctx) => {
    const { importId, rowsBefore, rowsTotal } = input;
    return engineFor(ctx).importContacts(input.csv, {
      mapping: input.mapping,
      fileName: input.fileName,
      rowsBefore,
      // Progress goes to every window; the one that started the import knows its id.
      onProgress:
        importId === undefined ? undefined : (rowsDone) => ctx.events.emit({ type: 'contacts.importProgress', importId, rowsDone: rowsBefore + rowsDone, rowsTotal: rowsTotal ?? null }),
    });
  },
  'contacts.importColumns': async (input, ctx) => {
    const [header = [], ...rows] = readCsv(input.csv);
    return { columns: guessColumns(ctx.sqlite, header, rows) };
  },
  'contacts.timeline': async (input, ctx) => engineFor(ctx).timeline(input.phone),
  'contacts.search': async (input, ctx) => searchContacts(ctx.sqlite, { query: input.query, segmentId: input.segmentId }, input.limit, input.offset, Date.now()),
  'events.ingest': async (input, ctx) => engineFor(ctx).ingestEvents(input.ndjson),
  'engine.simulate': async (input, ctx) => {
    let document;
    if (input.flowId !== undefined) {
      document = ctx.services.flows.export(input.flowId as Parameters<typeof ctx.services.flows.export>[0]);
    } else {
      // The same limits and checks as flows.import: nesting, sizes, prototype keys, then the schema.
      document = parseUntrustedDocument(input.document);
    }
    const { runId } = input;
    return engineFor(ctx).simulate(document, input.options, {
      runId,
      // Progress goes to every window; the one that started the run knows its id.
      onProgress: runId === undefined ? undefined : (fraction) => ctx.events.emit({ type: 'engine.simulationProgress', runId, fraction }),
    });
  },
  'engine.cancelSimulation': async (input) => ({ runId: input.runId, wasRunning: cancelSimulation(input.runId) }),
  'engine.nodeCounts': async (input, ctx) => engineFor(ctx).nodeCounts(input.flowId),
  'engine.enroll': async (input, ctx) => engineFor(ctx).enroll(input.flowId, input.phones),
  'engine.pause': async (input, ctx) => engineFor(ctx).pause(input.flowId),
  'engine.resume': async (input, ctx) => engineFor(ctx).resume(input.flowId),
  'engine.archive': async (input, ctx) => engineFor(ctx).archive(input.flowId, input.reason),
} satisfies HandlerMap;
