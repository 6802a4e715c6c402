import type Database from 'better-sqlite3';
import { AnalyticsSettings, defaultOfflineEngagement, MAX_EXPORT_ROWS, type ArmAnalytics, type FlowHistory, type FlowAnalytics, type MessagesExport, type MetricTotals, type SeriesPoint, type SplitAnalytics, type TimeRange, type WorkspaceAnalytics } from '../../shared/api/analytics';
import { DAY_MS } from '../../shared/analytics/attribution';
import { DEFAULT_LINK_DOMAIN } from '../../shared/analytics/links';
import { combineRevenue, costOf, defaultPriceTable, returnOnSpend, roundMoney, type SendCount } from '../../shared/analytics/money';
import { rateInterval, splitStatistics } from '../../shared/analytics/statistics';
import { variantNodes } from '../../shared/analytics/variants';
import { PostcardError } from '../../shared/api/result';
import { FlowDocument } from '../../shared/flow/document';
import { FlowGraph } from '../../shared/graph/graph';
import { FlowSettings, defaultFlowSettings } from '../../shared/flow/settings';
import { refreshAnalytics } from './derive';
import { toCsv } from '../../shared/analytics/csv';

/**
 * The analytics queries. Each first brings the derived tables up to date (incremental: only
 * what changed since the last call) and then reads the daily aggregates, never the raw rows,
 * except a split's arms (one covering index) and the per-message export.
 */

const SETTINGS_KEY = 'settings';

interface Accumulator {
  totals: MetricTotals;
  sends: SendCount[];
}

export const emptyTotals = (): MetricTotals => ({
  queued: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  fellBack: 0,
  segments: 0,
  optOuts: 0,
  clicks: 0,
  uniqueClicks: 0,
  previewFetches: 0,
  replies: 0,
  conversions: 0,
  cost: 0,
  revenueByCurrency: {},
  revenue: null,
  revenueProblem: null,
  revenuePerMessage: null,
  roi: null,
});

interface MessageRow {
  flow_id: string;
  day: number;
  node_id: string;
  channel: 'sms' | 'mms';
  country: string;
  queued: number;
  sent: number;
  delivered: number;
  failed: number;
  segments: number;
}

interface EngagementRow {
  flow_id: string;
  day: number;
  node_id: string;
  currency: string;
  clicks: number;
  unique_clicks: number;
  bot_clicks: number;
  replies: number;
  opt_outs: number;
  conversions: number;
  revenue: number;
}

const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export class AnalyticsService {
  constructor(private readonly sqlite: Database.Database) {}

  settings(): AnalyticsSettings {
    const row = this.sqlite.prepare('SELECT value_json FROM analytics_settings WHERE key = ?').pluck().get(SETTINGS_KEY) as string | undefined;
    if (row) {
      const parsed = AnalyticsSettings.safeParse(JSON.parse(row));
      if (parsed.success) return parsed.data;
    }
    return { prices: defaultPriceTable(), exchangeRates: {}, linkDomain: DEFAULT_LINK_DOMAIN, simulatedEngagement: defaultOfflineEngagement() };
  }

  saveSettings(settings: AnalyticsSettings): AnalyticsSettings {
    const parsed = AnalyticsSettings.parse(settings);
    this.sqlite
      .prepare('INSERT INTO analytics_settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json')
      .run(SETTINGS_KEY, JSON.stringify(parsed));
    return parsed;
  }

  refresh(): void {
    refreshAnalytics(this.sqlite, { defaultCurrency: this.settings().prices.currency });
  }

  flow(flowId: string, range: TimeRange): FlowAnalytics {
    const flow = this.flowRow(flowId);
    this.refresh();
    const settings = this.settings();
    const { fromDay, toDay } = days(range);
    const byNode = new Map<string, Accumulator>();
    const total: Accumulator = { totals: emptyTotals(), sends: [] };
    const byDay = new Map<number, Accumulator>();
    const node = (id: string): Accumulator => getOr(byNode, id);
    for (const row of this.sqlite
      .prepare('SELECT * FROM analytics_messages_daily WHERE flow_id = ? AND day BETWEEN ? AND ?')
      .all(flowId, fromDay, toDay) as MessageRow[]) {
      for (const acc of [total, node(row.node_id), getOr(byDay, row.day)]) addMessages(acc, row);
    }
    for (const row of this.sqlite
      .prepare('SELECT * FROM analytics_engagement_daily WHERE flow_id = ? AND day BETWEEN ? AND ?')
      .all(flowId, fromDay, toDay) as EngagementRow[]) {
      for (const acc of [total, node(row.node_id), getOr(byDay, row.day)]) addEngagement(acc, row);
    }
    for (const [nodeId, count] of this.fellBack(flowId, flow.graph, range)) {
      node(nodeId).totals.fellBack += count;
      total.totals.fellBack += count;
    }
    const failuresByReason = this.sqlite
      .prepare('SELECT reason, sum(count) AS count FROM analytics_failures_daily WHERE flow_id = ? AND day BETWEEN ? AND ? GROUP BY reason ORDER BY count DESC, reason')
      .all(flowId, fromDay, toDay) as Array<{ reason: string; count: number }>;
    const graph = flow.graph;
    const bodyOf = new Map<string, string | null>(graph.nodes.map((n) => [n.id as string, n.kind === 'sms' || n.kind === 'mms' ? (n.config as { body: string }).body : null]));
    const optOutCauses = (
      this.sqlite
        .prepare('SELECT node_id, count(*) AS n FROM opt_out_causes WHERE flow_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY node_id ORDER BY n DESC')
        .all(flowId, Date.parse(range.from), Date.parse(range.to)) as Array<{ node_id: string | null; n: number }>
    ).map((row) => ({ nodeId: row.node_id, optOuts: row.n, body: row.node_id ? (bodyOf.get(row.node_id) ?? null) : null }));
    const finishAll = (acc: Accumulator): MetricTotals => finish(acc, settings);
    return {
      flowId,
      name: flow.name,
      from: range.from,
      to: range.to,
      currency: settings.prices.currency,
      totals: finishAll(total),
      byNode: Object.fromEntries([...byNode].map(([id, acc]) => [id, finishAll(acc)])),
      failuresByReason,
      optOutCauses,
      series: series(byDay, fromDay, toDay, settings),
      splits: graph.nodes.filter((n) => n.kind === 'split').map((n) => ({ nodeId: n.id, label: n.label || 'A/B split' })),
      attributionDays: flow.settings.attributionDays,
      goalEvent: flow.settings.goalEvent,
    };
  }

  split(input: { flowId: string; splitNodeId: string; range: TimeRange; controlId?: string; minimumDetectableEffect: number }): SplitAnalytics {
    const flowView = this.flow(input.flowId, input.range);
    const flow = this.flowRow(input.flowId);
    const split = flow.graph.nodes.find((n) => n.id === (input.splitNodeId as string));
    if (!split || split.kind !== 'split') throw new PostcardError('NOT_FOUND', `the flow has no A/B split with id ${input.splitNodeId}`);
    const counts = new Map<string, { contacts: number; conversions: number; revenue: Record<string, number> }>();
    for (const row of this.sqlite
      .prepare(
        `SELECT variant_id, currency, sum(contacts) AS contacts, sum(conversions) AS conversions, sum(revenue) AS revenue
         FROM analytics_split_daily WHERE flow_id = ? AND split_node_id = ? AND day BETWEEN ? AND ?
         GROUP BY variant_id, currency`,
      )
      .all(input.flowId, input.splitNodeId, days(input.range).fromDay, days(input.range).toDay) as Array<{
      variant_id: string;
      currency: string | null;
      contacts: number;
      conversions: number;
      revenue: number;
    }>) {
      const arm = counts.get(row.variant_id) ?? { contacts: 0, conversions: 0, revenue: {} as Record<string, number> };
      arm.contacts += row.contacts;
      arm.conversions += row.conversions;
      if (row.currency) arm.revenue[row.currency] = (arm.revenue[row.currency] ?? 0) + row.revenue;
      counts.set(row.variant_id, arm);
    }
    const owned = variantNodes(flow.graph, split.id);
    const variants = split.config.variants;
    const stats = splitStatistics(
      variants.map((v) => ({ id: v.id, label: v.label || v.id, isHoldout: v.isHoldout, trials: counts.get(v.id)?.contacts ?? 0, successes: counts.get(v.id)?.conversions ?? 0 })),
      { controlId: input.controlId, minimumDetectableEffect: input.minimumDetectableEffect },
    );
    const arms: ArmAnalytics[] = stats.arms.map((arm) => {
      const nodes = owned.get(arm.id) ?? new Set<string>();
      const metrics = sumTotals([...nodes].map((id) => flowView.byNode[id]).filter((t): t is MetricTotals => t !== undefined));
      return {
        id: arm.id,
        label: arm.label,
        isHoldout: arm.isHoldout,
        isControl: arm.isControl,
        channel: firstChannel(flow.graph, split.id, arm.id),
        contacts: arm.trials,
        conversions: arm.successes,
        estimate: arm.estimate,
        probabilityToBeatControl: arm.probabilityToBeatControl,
        lift: arm.lift,
        rates: {
          delivery: rateOf(metrics.delivered, metrics.sent),
          clickThrough: rateOf(metrics.uniqueClicks, metrics.delivered),
          optOut: rateOf(metrics.optOuts, metrics.delivered),
          conversion: arm.estimate,
        },
        metrics,
      };
    });
    const holdout = arms.find((a) => a.isHoldout);
    return {
      flowId: input.flowId,
      splitNodeId: split.id,
      label: split.label || 'A/B split',
      from: input.range.from,
      to: input.range.to,
      controlId: stats.controlId,
      arms,
      minimumDetectableEffect: input.minimumDetectableEffect,
      sampleSizeNeeded: stats.sampleSizeNeeded,
      sampleSizeRemaining: stats.sampleSizeRemaining,
      verdict: stats.verdict,
      comparisons: {
        holdoutId: holdout?.id ?? null,
        smsArmId: arms.find((a) => a.channel === 'sms')?.id ?? null,
        mmsArmId: arms.find((a) => a.channel === 'mms')?.id ?? null,
      },
    };
  }

  workspace(range: TimeRange): WorkspaceAnalytics {
    this.refresh();
    const settings = this.settings();
    const { fromDay, toDay } = days(range);
    const byFlow = new Map<string, Accumulator>();
    const byDay = new Map<number, Accumulator>();
    const total: Accumulator = { totals: emptyTotals(), sends: [] };
    for (const row of this.sqlite.prepare('SELECT * FROM analytics_messages_daily WHERE day BETWEEN ? AND ?').all(fromDay, toDay) as MessageRow[]) {
      for (const acc of [total, getOr(byFlow, row.flow_id), getOr(byDay, row.day)]) addMessages(acc, row);
    }
    let conversionsWithoutMessage = 0;
    for (const row of this.sqlite.prepare('SELECT * FROM analytics_engagement_daily WHERE day BETWEEN ? AND ?').all(fromDay, toDay) as EngagementRow[]) {
      for (const acc of [total, getOr(byFlow, row.flow_id), getOr(byDay, row.day)]) addEngagement(acc, row);
      if (row.flow_id === '') conversionsWithoutMessage += row.conversions;
    }
    const names = new Map((this.sqlite.prepare('SELECT id, name FROM flows').all() as Array<{ id: string; name: string }>).map((r) => [r.id, r.name]));
    return {
      from: range.from,
      to: range.to,
      currency: settings.prices.currency,
      totals: finish(total, settings),
      flows: [...byFlow]
        .filter(([id]) => id !== '')
        .map(([id, acc]) => ({ flowId: id, name: names.get(id) ?? id, totals: finish(acc, settings) }))
        .sort((a, b) => b.totals.sent - a.totals.sent || a.name.localeCompare(b.name)),
      conversionsWithoutMessage,
      series: series(byDay, fromDay, toDay, settings),
    };
  }

  /** One row per message of the flow created in the range: what happened to it and what it earned. */
  exportMessages(flowId: string, range: TimeRange): MessagesExport {
    this.flowRow(flowId);
    this.refresh();
    const rows = this.sqlite
      .prepare(
        `SELECT m.id AS message_id, m.created_at, m.accepted_at, m.finished_at, m.node_id, m.channel, m.status, coalesce(m.error_code, m.reason) AS reason,
                m.segments, c.phone,
                (SELECT count(*) FROM clicks k WHERE k.message_id = m.id AND k.is_bot = 0) AS clicks,
                (SELECT count(*) FROM conversions v WHERE v.message_id = m.id) AS conversions,
                (SELECT group_concat(v.revenue || ' ' || v.currency, '; ') FROM conversions v WHERE v.message_id = m.id AND v.revenue IS NOT NULL) AS revenue
         FROM messages m JOIN contacts c ON c.id = m.contact_id
         WHERE m.flow_id = ? AND m.created_at >= ? AND m.created_at < ? AND m.purpose = 'marketing'
         ORDER BY m.created_at, m.id LIMIT ?`,
      )
      .all(flowId, Date.parse(range.from), Date.parse(range.to), MAX_EXPORT_ROWS + 1) as Array<Record<string, string | number | null>>;
    const isTruncated = rows.length > MAX_EXPORT_ROWS;
    const kept = rows.slice(0, MAX_EXPORT_ROWS).map((row) => ({
      ...row,
      created_at: iso(row.created_at),
      accepted_at: iso(row.accepted_at),
      finished_at: iso(row.finished_at),
    }));
    const columns = ['message_id', 'created_at', 'accepted_at', 'finished_at', 'node_id', 'channel', 'status', 'reason', 'segments', 'phone', 'clicks', 'conversions', 'revenue'];
    return { csv: toCsv(columns, kept), rows: kept.length, isTruncated };
  }

  /** Every published version, newest first, with the runner's note where it made one, and each split's auto-winner state. */
  history(flowId: string): FlowHistory {
    const flow = this.flowRow(flowId);
    const versions = (
      this.sqlite.prepare('SELECT version, published_at, note FROM flow_versions WHERE flow_id = ? ORDER BY version DESC').all(flowId) as Array<{
        version: number;
        published_at: string;
        note: string | null;
      }>
    ).map((row) => ({ version: row.version, publishedAt: row.published_at, note: row.note }));
    const labels = new Map<string, string>(flow.graph.nodes.filter((n) => n.kind === 'split').map((n) => [n.id as string, n.label || 'A/B split']));
    const autoWinners = (
      this.sqlite.prepare('SELECT split_node_id, status, note, decided_at, version FROM split_auto_winner WHERE flow_id = ? ORDER BY decided_at').all(flowId) as Array<{
        split_node_id: string;
        status: 'switched' | 'no_winner';
        note: string;
        decided_at: number;
        version: number | null;
      }>
    ).map((row) => ({
      splitNodeId: row.split_node_id,
      label: labels.get(row.split_node_id) ?? 'A/B split',
      status: row.status,
      note: row.note,
      decidedAt: new Date(row.decided_at).toISOString(),
      version: row.version,
    }));
    return { flowId, name: flow.name, versions, autoWinners };
  }

  /**
   * Per MMS step, the contacts who fell back to SMS in the range: the messages its fallback port
   * led to, created in the range (the fallback happens when that SMS is written). An enrollment
   * whose MMS was delivered did not fall back, so a step the fallback shares with another path
   * counts only the contacts who came through the fallback.
   */
  private fellBack(flowId: string, graph: FlowGraph, range: TimeRange): Map<string, number> {
    const counts = new Map<string, number>();
    const count = this.sqlite.prepare(
      `SELECT count(*) FROM messages s
       WHERE s.flow_id = ? AND s.node_id = ? AND s.created_at >= ? AND s.created_at < ? AND s.purpose = 'marketing'
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.enrollment_id = s.enrollment_id AND m.node_id = ? AND m.status = 'delivered')`,
    );
    for (const mms of graph.nodes.filter((n) => n.kind === 'mms')) {
      let sum = 0;
      for (const target of firstMessageSteps(graph, mms.id, 'fallback')) {
        sum += count.pluck().get(flowId, target.id, Date.parse(range.from), Date.parse(range.to), mms.id) as number;
      }
      if (sum > 0) counts.set(mms.id, sum);
    }
    return counts;
  }

  private flowRow(flowId: string): { name: string; graph: FlowGraph; settings: FlowSettings } {
    const row = this.sqlite.prepare('SELECT name, settings_json, draft_graph_json FROM flows WHERE id = ?').get(flowId) as
      | { name: string; settings_json: string; draft_graph_json: string }
      | undefined;
    if (!row) throw new PostcardError('NOT_FOUND', `no flow with id ${flowId}`);
    // The graph the flow last went live with: its node ids are the ones messages carry.
    const published = this.sqlite.prepare('SELECT document_json FROM flow_versions WHERE flow_id = ? ORDER BY version DESC LIMIT 1').pluck().get(flowId) as string | undefined;
    const parsedDoc = published ? FlowDocument.safeParse(JSON.parse(published)) : null;
    const graph = parsedDoc?.success ? parsedDoc.data.graph : FlowGraph.parse(JSON.parse(row.draft_graph_json));
    const settings = FlowSettings.safeParse(JSON.parse(row.settings_json));
    return { name: row.name, graph, settings: settings.success ? settings.data : defaultFlowSettings() };
  }
}

/**
 * A receipt can arrive after the click or the STOP it led to, so for a while an arm may count more
 * clicks than deliveries: the rate is then read as all of them (the interval stays a proportion's).
 */
const rateOf = (successes: number, trials: number) => rateInterval({ trials, successes: Math.min(successes, trials) });

const iso = (value: string | number | null | undefined): string => (typeof value === 'number' ? new Date(value).toISOString() : '');

function days(range: TimeRange): { fromDay: number; toDay: number } {
  return { fromDay: Math.floor(Date.parse(range.from) / DAY_MS), toDay: Math.floor((Date.parse(range.to) - 1) / DAY_MS) };
}

function getOr<K>(map: Map<K, Accumulator>, key: K): Accumulator {
  let acc = map.get(key);
  if (!acc) {
    acc = { totals: emptyTotals(), sends: [] };
    map.set(key, acc);
  }
  return acc;
}

function addMessages(acc: Accumulator, row: MessageRow): void {
  const t = acc.totals;
  t.queued += row.queued;
  t.sent += row.sent;
  t.delivered += row.delivered;
  t.failed += row.failed;
  t.segments += row.segments;
  acc.sends.push({ channel: row.channel, country: row.country || null, messages: row.sent, segments: row.segments });
}

function addEngagement(acc: Accumulator, row: EngagementRow): void {
  const t = acc.totals;
  t.clicks += row.clicks;
  t.uniqueClicks += row.unique_clicks;
  t.previewFetches += row.bot_clicks;
  t.replies += row.replies;
  t.optOuts += row.opt_outs;
  t.conversions += row.conversions;
  if (row.currency) t.revenueByCurrency[row.currency] = (t.revenueByCurrency[row.currency] ?? 0) + row.revenue;
}

function finish(acc: Accumulator, settings: AnalyticsSettings): MetricTotals {
  const t = { ...acc.totals, revenueByCurrency: { ...acc.totals.revenueByCurrency } };
  for (const c of Object.keys(t.revenueByCurrency)) t.revenueByCurrency[c] = roundMoney(t.revenueByCurrency[c] as number);
  t.cost = costOf(settings.prices, acc.sends);
  const revenue = combineRevenue(t.revenueByCurrency, settings.prices.currency, settings.exchangeRates);
  t.revenue = revenue.ok ? revenue.amount : null;
  t.revenueProblem = revenue.ok ? null : revenue.message;
  t.revenuePerMessage = t.revenue !== null && t.sent > 0 ? roundMoney(t.revenue / t.sent) : null;
  t.roi = t.revenue !== null ? returnOnSpend(t.revenue, t.cost) : null;
  return t;
}

function sumTotals(list: readonly MetricTotals[]): MetricTotals {
  const sum = emptyTotals();
  const numeric = ['queued', 'sent', 'delivered', 'failed', 'fellBack', 'segments', 'optOuts', 'clicks', 'uniqueClicks', 'previewFetches', 'replies', 'conversions', 'cost'] as const;
  let revenue: number | null = 0;
  for (const t of list) {
    for (const key of numeric) sum[key] += t[key];
    for (const [c, v] of Object.entries(t.revenueByCurrency)) sum.revenueByCurrency[c] = (sum.revenueByCurrency[c] ?? 0) + v;
    revenue = revenue === null || t.revenue === null ? null : revenue + t.revenue;
    sum.revenueProblem ??= t.revenueProblem;
  }
  sum.cost = roundMoney(sum.cost);
  sum.revenue = revenue === null ? null : roundMoney(revenue);
  sum.revenuePerMessage = sum.revenue !== null && sum.sent > 0 ? roundMoney(sum.revenue / sum.sent) : null;
  sum.roi = sum.revenue !== null ? returnOnSpend(sum.revenue, sum.cost) : null;
  return sum;
}

function series(byDay: Map<number, Accumulator>, fromDay: number, toDay: number, settings: AnalyticsSettings): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let day = fromDay; day <= toDay; day++) {
    const acc = byDay.get(day);
    const t = acc ? finish(acc, settings) : emptyTotals();
    points.push({ day: isoDay(day), sent: t.sent, delivered: t.delivered, failed: t.failed, clicks: t.clicks, conversions: t.conversions, optOuts: t.optOuts, revenue: acc ? t.revenue : 0, cost: t.cost });
  }
  return points;
}

/** The channel of the first message step an arm reaches (breadth first from its port). */
function firstChannel(graph: FlowGraph, splitId: string, variantId: string): 'sms' | 'mms' | null {
  const first = firstMessageSteps(graph, splitId, variantId)[0];
  return first?.kind === 'sms' || first?.kind === 'mms' ? first.kind : null;
}

/** The message steps a port leads to first, breadth first, through waits, branches and splits. */
function firstMessageSteps(graph: FlowGraph, fromId: string, port: string): Array<FlowGraph['nodes'][number]> {
  const byId = new Map<string, FlowGraph['nodes'][number]>(graph.nodes.map((n) => [n.id, n]));
  const queue: string[] = graph.edges.filter((e) => e.source === (fromId as string) && e.sourcePort === port).map((e) => e.target);
  const seen = new Set<string>();
  const found: Array<FlowGraph['nodes'][number]> = [];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id) || id === fromId) continue;
    seen.add(id);
    const step = byId.get(id);
    if (step?.kind === 'sms' || step?.kind === 'mms') found.push(step);
    else queue.push(...graph.edges.filter((e) => (e.source as string) === id).map((e) => e.target));
  }
  return found;
}
