import type Database from 'better-sqlite3';
import { PostcardError } from '../../shared/api/result';
import type { FlowDocument } from '../../shared/flow/document';
import { seededRandom, type RandomSource } from '../../shared/engine/random';
import { SimulationOptions, defaultSimulatorConfig, type EventBehaviour, type SimulationOptionsInput } from '../../shared/engine/simulation';
import { emptyNodeCounts, type ContactTimeline, type NodeCounts, type SimulationResult } from '../../shared/engine/types';
import { costOfRun, pricesOfRun } from '../analytics/cost';
import { forecastMeasurement, simulateEngagement } from '../analytics/simulated';
import { SimulatorProvider } from '../providers/simulator';
import { VirtualClock } from './clock';
import { compileDocument, type CompiledFlow } from './flow';
import { EngineRuntime } from './runtime';
import { installFlow, openSandbox } from './sandbox';
import { insertSyntheticContacts } from './synthetic';
import { contactTimeline } from './timeline';

/**
 * Dry-run: the real engine and the simulator provider over virtual time, in a private
 * in-memory database. Same document + options (seed included) + contacts → identical result.
 */

export interface ImportedContact {
  phone: string;
  timeZone: string | null;
  attributesJson: string;
  mmsCapable: string;
  /** Whether the contact currently consents to texts. */
  isOptedIn: boolean;
}

export interface SimulateDeps {
  migrationsFolder?: string;
  /** An Electron-ABI better-sqlite3 addon, as the app's own database uses (sandbox.ts). */
  nativeBinding?: string;
  /** Used when options.useImportedContacts is set (copied into the sandbox; live data is never written). */
  importedContacts?: () => ImportedContact[];
  /** How far virtual time has come, 0 to 1, as it advances (at most about a hundred calls). */
  onProgress?: (fraction: number) => void;
}

const SIM_FLOW_ID = 'simulated';
const HOUR = 3_600_000;
/** Virtual time advances in steps of one minute: plenty for planning, bounded work per day. */
const RESOLUTION_MS = 60_000;

export async function simulateFlow(document: FlowDocument, input: SimulationOptionsInput, deps: SimulateDeps = {}): Promise<SimulationResult> {
  const options = SimulationOptions.parse(input);
  // Refuses a graph with validation errors before anything is created.
  compileDocument({ flowId: SIM_FLOW_ID, versionId: 'check', version: 1 }, document);
  const start = Date.parse(options.startAt);
  const end = start + options.days * 24 * HOUR;
  const sqlite = openSandbox({ migrationsFolder: deps.migrationsFolder, nativeBinding: deps.nativeBinding });
  try {
    const random = seededRandom(options.seed);
    const versionId = installFlow(sqlite, SIM_FLOW_ID, document, start);
    const clock = new VirtualClock(start);
    // runUntil moves time through this view of the clock: the same clock, reporting as it goes.
    let reported = 0;
    const progressClock = {
      now: () => clock.now(),
      set: (ts: number) => {
        clock.set(ts);
        const fraction = Math.min(1, Math.max(0, (ts - start) / (end - start)));
        if (deps.onProgress && fraction - reported >= 0.01) {
          reported = fraction;
          deps.onProgress(fraction);
        }
      },
    };
    const provider = new SimulatorProvider(sqlite, { ...defaultSimulatorConfig(options.seed), ...options.simulator, seed: options.simulator?.seed ?? options.seed });
    const runtime = new EngineRuntime({
      sqlite,
      clock,
      random: seededRandom(options.seed ^ 0x5bd1e995),
      provider,
      installId: 'sim',
      batchSize: 1000,
      ignoreSendingAccounts: true,
    });
    const flow = runtime.version(versionId) as CompiledFlow;
    const trigger = flow.trigger.config;
    const isSubscribedTrigger = trigger.type === 'subscribed';

    let contactIds: number[];
    if (options.useImportedContacts) {
      contactIds = copyContacts(sqlite, deps.importedContacts?.() ?? [], start, !isSubscribedTrigger);
      if (contactIds.length === 0) throw new PostcardError('INVALID_INPUT', 'there are no imported contacts to simulate with');
    } else {
      contactIds = insertSyntheticContacts(sqlite, random, {
        count: options.contacts,
        knownMmsIncapableShare: options.knownMmsIncapableShare,
        consentAt: isSubscribedTrigger ? null : start - 30 * 24 * HOUR,
        now: start,
      });
    }

    // Entry: each contact gets an entry time spread over the first hours, then its behaviour.
    const entryAt = new Map<number, number>();
    for (const id of contactIds) entryAt.set(id, start + Math.floor((random.next() * options.entrySpreadHours * HOUR) / RESOLUTION_MS) * RESOLUTION_MS);
    const insertEvent = sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, ?, ?)');
    const insertConsent = sqlite.prepare(
      `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, occurred_at) VALUES (?, 'opt_in', ?, 'simulated signup', NULL, ?)`,
    );
    const behaviours = behavioursFor(flow, options.behaviours);
    sqlite.transaction(() => {
      for (const id of contactIds) {
        const at = entryAt.get(id) as number;
        if (trigger.type === 'event') insertEvent.run(id, trigger.event, JSON.stringify(propertiesMatching(trigger.filters)), at);
        if (trigger.type === 'subscribed') insertConsent.run(id, trigger.channel === 'mms' ? 'all' : trigger.channel, at);
        for (const behaviour of behaviours) {
          if (random.next() < behaviour.probability) {
            insertEvent.run(id, behaviour.event, '{}', at + Math.floor(random.next() * behaviour.withinHours * HOUR) + 1);
          }
        }
      }
    })();
    if (trigger.type !== 'event' && trigger.type !== 'subscribed') {
      // Manual and other triggers: everyone enters at their entry time, in order.
      const byTime = [...contactIds].sort((a, b) => (entryAt.get(a) as number) - (entryAt.get(b) as number) || a - b);
      let index = 0;
      while (index < byTime.length) {
        const at = entryAt.get(byTime[index] as number) as number;
        if (at > end) break;
        clock.set(at);
        const group: number[] = [];
        while (index < byTime.length && entryAt.get(byTime[index] as number) === at) group.push(byTime[index++] as number);
        runtime.enrollContacts(SIM_FLOW_ID, group);
        await runtime.runUntil(progressClock, index < byTime.length ? Math.min(end, entryAt.get(byTime[index] as number) as number) - 1 : start, RESOLUTION_MS);
      }
    }
    await runtime.runUntil(progressClock, end, RESOLUTION_MS);
    simulateEngagement(sqlite, flow.settings, options.engagement, options.seed, end);
    return collectResult(sqlite, flow, options, start, end, contactIds);
  } finally {
    sqlite.close();
  }
}

/** Behaviours given by the user, plus a default for every event the flow listens to but nobody described. */
function behavioursFor(flow: CompiledFlow, given: EventBehaviour[]): EventBehaviour[] {
  const names = new Set<string>();
  if (flow.settings.goalEvent.trim()) names.add(flow.settings.goalEvent.trim());
  for (const node of flow.nodes.values()) {
    if (node.kind === 'wait' && node.config.type === 'event') names.add(node.config.event);
    if (node.kind === 'branch') for (const c of node.config.conditions) if (c.subject === 'event_since_entry') names.add(c.name);
  }
  const described = new Set(given.map((b) => b.event));
  return [...given, ...[...names].filter((n) => !described.has(n)).sort().map((event) => ({ event, probability: 0.2, withinHours: 72 }))];
}

function propertiesMatching(filters: ReadonlyArray<{ property: string; operator: string; value: string }>): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const f of filters) {
    if (f.operator === 'equals' || f.operator === 'contains') properties[f.property] = f.value;
    else if (f.operator === 'exists') properties[f.property] = 'yes';
    else if (f.operator === 'greater_than') properties[f.property] = String(Number(f.value) + 1);
    else if (f.operator === 'less_than') properties[f.property] = String(Number(f.value) - 1);
  }
  return properties;
}

function copyContacts(sqlite: Database.Database, contacts: ImportedContact[], now: number, withConsent: boolean): number[] {
  const insert = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, 'contact', ?, ?, ?, ?)`,
  );
  const consent = sqlite.prepare(
    `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'import', NULL, ?, ?)`,
  );
  const ids: number[] = [];
  sqlite.transaction(() => {
    for (const c of [...contacts].sort((a, b) => (a.phone < b.phone ? -1 : 1))) {
      const id = Number(insert.run(c.phone, c.timeZone, c.attributesJson, c.mmsCapable, now, now).lastInsertRowid);
      if (withConsent && c.isOptedIn) consent.run(id, now - 1, now - 1);
      ids.push(id);
    }
  })();
  return ids;
}

function collectResult(
  sqlite: Database.Database,
  flow: CompiledFlow,
  options: SimulationOptions,
  start: number,
  end: number,
  contactIds: number[],
): SimulationResult {
  const nodeCounts = readNodeCounts(sqlite, flow.flowId, [...flow.nodes.keys()]);
  const scalar = (sql: string, ...params: unknown[]): number => Number(sqlite.prepare(sql).pluck().get(...params) ?? 0);
  const smsCount = scalar(`SELECT count(*) FROM messages WHERE channel = 'sms' AND accepted_at IS NOT NULL AND purpose = 'marketing'`);
  const mmsCount = scalar(`SELECT count(*) FROM messages WHERE channel = 'mms' AND accepted_at IS NOT NULL`);
  const smsSegments = scalar(`SELECT coalesce(sum(segments), 0) FROM messages WHERE channel = 'sms' AND accepted_at IS NOT NULL`);
  const fellBack = Object.values(nodeCounts).reduce((sum, c) => sum + c.fellBack, 0);
  const mmsEntries = [...flow.nodes.values()].filter((n) => n.kind === 'mms').reduce((sum, n) => sum + (nodeCounts[n.id]?.entered ?? 0), 0);
  const exits: Record<string, number> = {};
  for (const row of sqlite
    .prepare(`SELECT exit_reason AS reason, count(*) AS n FROM enrollments WHERE state = 'exited' GROUP BY exit_reason ORDER BY exit_reason`)
    .all() as Array<{ reason: string; n: number }>) {
    exits[row.reason] = row.n;
  }
  const prices = pricesOfRun(options);
  const measured = forecastMeasurement(sqlite, flow.flowId, { from: new Date(start).toISOString(), to: new Date(end + 1).toISOString() }, prices);
  const sampleTimelines = contactIds
    .slice(0, options.sampleTimelines)
    .map((id) => contactTimeline(sqlite, id))
    .filter((t): t is ContactTimeline => t !== null);
  return {
    seed: options.seed,
    days: options.days,
    startAt: new Date(start).toISOString(),
    endAt: new Date(end).toISOString(),
    nodeCounts,
    totals: {
      contacts: contactIds.length,
      enrolled: scalar('SELECT count(*) FROM enrollments'),
      messagesByChannel: { sms: smsCount, mms: mmsCount },
      delivered: scalar(`SELECT count(*) FROM messages WHERE status = 'delivered'`),
      failed: scalar(`SELECT count(*) FROM messages WHERE status IN ('failed', 'undelivered')`),
      fellBack,
      mmsFailedWithoutFallback: scalar(
        `SELECT count(*) FROM messages WHERE channel = 'mms' AND status IN ('failed', 'undelivered') AND coalesce(error_class, '') <> 'mms_unsupported'`,
      ),
      fallbackRate: mmsEntries === 0 ? 0 : round(fellBack / mmsEntries, 4),
      quietHoursDeferrals: scalar(`SELECT count(*) FROM message_events WHERE status = 'deferred'`),
      capSkips: scalar(`SELECT count(*) FROM messages WHERE status = 'skipped' AND reason = 'frequency_cap'`),
      optOuts: scalar(`SELECT count(*) FROM consent_events WHERE kind = 'opt_out'`),
      exits,
      smsSegments,
    },
    cost: costOfRun(sqlite, prices),
    nodeMetrics: measured.nodeMetrics,
    splits: measured.splits,
    sampleTimelines,
  };
}

/** Per-node counts: running totals from node_counters, `waiting` from the enrollments parked there now. */
export function readNodeCounts(sqlite: Database.Database, flowId: string, nodeIds: readonly string[]): Record<string, NodeCounts> {
  const counts: Record<string, NodeCounts> = {};
  for (const id of nodeIds) counts[id] = emptyNodeCounts();
  const ensure = (id: string): NodeCounts => (counts[id] ??= emptyNodeCounts());
  for (const row of sqlite.prepare('SELECT node_id, metric, value FROM node_counters WHERE flow_id = ?').all(flowId) as Array<{
    node_id: string;
    metric: keyof NodeCounts;
    value: number;
  }>) {
    ensure(row.node_id)[row.metric] = row.value;
  }
  for (const row of sqlite
    .prepare(`SELECT node_id, count(*) AS n FROM enrollments WHERE flow_id = ? AND state != 'exited' GROUP BY node_id`)
    .all(flowId) as Array<{ node_id: string; n: number }>) {
    ensure(row.node_id).waiting = row.n;
  }
  return counts;
}

const round = (value: number, digits = 4): number => Math.round(value * 10 ** digits) / 10 ** digits;

export type { RandomSource };
