import type { ContactsSearchResult } from '../../../shared/api/engine';
import { parseJsonObject } from '../../../shared/json';
import { mmsCapabilities, type MmsCapability } from '../../../shared/engine/types';
import type { SqliteDatabase } from '../../db/open';
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
  'contacts.import': async (input, ctx) => engineFor(ctx).importContacts(input.csv),
  'contacts.timeline': async (input, ctx) => engineFor(ctx).timeline(input.phone),
  'contacts.search': async (input, ctx) => searchContacts(ctx.sqlite, input.query, input.limit, input.offset),
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

/**
 * Digits in the query match anywhere in the E.164 number (so "(212) 555-01" finds +1212555015x);
 * words match attribute text (a first name, a customer id). Read-only, so it lives beside the
 * handler rather than in the engine service.
 */
export function searchContacts(sqlite: SqliteDatabase, query: string, limit: number, offset = 0): ContactsSearchResult {
  const digits = query.replace(/\D/g, '');
  const words = query.replace(/[\d\s()+.-]/g, '').length > 0 ? query.trim() : '';
  const like = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const clauses: string[] = [];
  const params: string[] = [];
  if (digits.length > 0 && !words) {
    clauses.push(`phone LIKE ? ESCAPE '\\'`);
    params.push(like(digits));
  }
  if (words) {
    clauses.push(`attributes_json LIKE ? ESCAPE '\\'`, `phone LIKE ? ESCAPE '\\'`);
    params.push(like(words), like(words));
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' OR ')}` : '';
  const rows = sqlite
    .prepare(`SELECT id, phone, time_zone, mms_capable, attributes_json, created_at FROM contacts ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as Array<{ id: number; phone: string; time_zone: string | null; mms_capable: string; attributes_json: string; created_at: number }>;
  const matched = Number(sqlite.prepare(`SELECT count(*) FROM contacts ${where}`).pluck().get(...params) ?? 0);
  const total = where ? Number(sqlite.prepare('SELECT count(*) FROM contacts').pluck().get() ?? 0) : matched;
  return {
    contacts: rows.map((row) => ({
      id: row.id,
      phone: row.phone,
      timeZone: row.time_zone,
      mmsCapable: (mmsCapabilities as readonly string[]).includes(row.mms_capable) ? (row.mms_capable as MmsCapability) : 'unknown',
      attributes: parseJsonObject(row.attributes_json),
      createdAt: new Date(row.created_at).toISOString(),
    })),
    matched,
    offset,
    total,
  };
}

