import type Database from 'better-sqlite3';
import { autoWinnerNote, noWinnerNote, pickWinner, type WinnerArm } from '../../shared/analytics/autoWinner';
import { variantNodes } from '../../shared/analytics/variants';
import { FlowDocument } from '../../shared/flow/document';
import type { FlowNodeOf } from '../../shared/graph/graph';
import { recordSegmentUse } from '../audience/flowUse';
import { AnalyticsService } from './service';

/**
 * The auto-winner, run by the engine once per tick at most. For each live flow's split with an
 * auto-winner whose condition is met (every variant sent to N contacts, or the date reached), it
 * asks the split statistics whether one variant is at least 95 % likely to beat every other on
 * the chosen metric. If so it publishes a new version whose weights give that variant all the
 * non-holdout traffic, with the decision in words as the version's note, and records the split
 * as switched so that no later tick, restart or second runner switches it again. If not, the
 * split says so and keeps its weights; it is looked at again at most every `intervalMs`.
 */

type SplitNode = FlowNodeOf<'split'>;

export interface AutoWinnerDecision {
  flowId: string;
  splitNodeId: string;
  status: 'switched' | 'no_winner';
  note: string;
  version: number | null;
}

interface LiveVersion {
  flowId: string;
  versionId: string;
  version: number;
  nodes: ReadonlyMap<string, { kind: string }>;
}

export class AutoWinner {
  private readonly lookedAt = new Map<string, number>();

  constructor(
    private readonly sqlite: Database.Database,
    private readonly options: { intervalMs?: number } = {},
  ) {}

  /**
   * Reads only when a live version has a split with an auto-winner on; `publish` runs the write
   * (the runtime fences it with its lease). Returns the decisions made now.
   */
  evaluate(live: readonly LiveVersion[], now: number, publish: (write: () => void) => void): AutoWinnerDecision[] {
    const decisions: AutoWinnerDecision[] = [];
    const candidates = live.filter((flow) => [...flow.nodes.values()].some((node) => node.kind === 'split' && hasAutoWinner(node as SplitNode)));
    if (candidates.length === 0) return decisions;
    const decided = new Set(
      (this.sqlite.prepare(`SELECT flow_id || ' ' || split_node_id FROM split_auto_winner WHERE status = 'switched'`).pluck().all() as string[]),
    );
    let isRefreshed = false;
    for (const flow of candidates) {
      for (const node of flow.nodes.values()) {
        if (node.kind !== 'split' || !hasAutoWinner(node as SplitNode)) continue;
        const split = node as SplitNode;
        const key = `${flow.flowId} ${split.id}`;
        if (decided.has(key)) continue;
        const auto = split.config.autoWinner!;
        if (auto.when === 'date' && !(now >= Date.parse(auto.date))) continue;
        // Counting a split's arms reads its assignments: at most once per interval, due or not.
        const last = this.lookedAt.get(key);
        if (last !== undefined && now - last < (this.options.intervalMs ?? 60_000)) continue;
        this.lookedAt.set(key, now);
        const contenders = split.config.variants.filter((v) => !v.isHoldout);
        const sends = this.sendsPerVariant(flow.flowId, split.id);
        const fewest = Math.min(...contenders.map((v) => sends.get(v.id) ?? 0));
        if (auto.when === 'sends' && fewest < auto.sendsPerVariant) continue;
        if (auto.metric === 'conversion' && !isRefreshed) {
          // Conversions are derived from goal events: bring them up to date (incremental) first.
          new AnalyticsService(this.sqlite).refresh();
          isRefreshed = true;
        }
        const arms = this.arms(flow.versionId, flow.flowId, split, auto.metric, sends);
        const choice = pickWinner(arms);
        const condition = auto.when === 'sends' ? { sendsPerVariant: auto.sendsPerVariant } : { date: auto.date, fewestSends: fewest };
        if (!choice.winner) {
          const note = noWinnerNote(auto.metric, choice, condition);
          this.sqlite
            .prepare(
              `INSERT INTO split_auto_winner (flow_id, split_node_id, status, winner_variant_id, note, version, decided_at) VALUES (?, ?, 'no_winner', NULL, ?, NULL, ?)
               ON CONFLICT (flow_id, split_node_id) DO UPDATE SET note = excluded.note, decided_at = excluded.decided_at WHERE status = 'no_winner'`,
            )
            .run(flow.flowId, split.id, note, now);
          decisions.push({ flowId: flow.flowId, splitNodeId: split.id, status: 'no_winner', note, version: null });
          continue;
        }
        const note = autoWinnerNote(auto.metric, choice.winner, choice.probability, condition);
        let version: number | null = null;
        publish(() => {
          version = this.switchTo(flow.flowId, flow.versionId, split.id, choice.winner!.id, note, now);
        });
        if (version !== null) decisions.push({ flowId: flow.flowId, splitNodeId: split.id, status: 'switched', note, version });
      }
    }
    return decisions;
  }

  /** Contacts the split sent down each variant (the "sends" the condition counts). */
  private sendsPerVariant(flowId: string, splitNodeId: string): Map<string, number> {
    const rows = this.sqlite
      .prepare('SELECT variant_id, count(*) AS n FROM split_assignments WHERE flow_id = ? AND split_node_id = ? GROUP BY variant_id')
      .all(flowId, splitNodeId) as Array<{ variant_id: string; n: number }>;
    return new Map(rows.map((r) => [r.variant_id, r.n]));
  }

  private arms(versionId: string, flowId: string, split: SplitNode, metric: 'conversion' | 'click' | 'delivery', sends: Map<string, number>): WinnerArm[] {
    const contenders = split.config.variants.filter((v) => !v.isHoldout);
    if (metric === 'conversion') {
      const converted = new Map(
        (
          this.sqlite
            .prepare('SELECT variant_id, count(converted_at) AS n FROM split_assignments WHERE flow_id = ? AND split_node_id = ? GROUP BY variant_id')
            .all(flowId, split.id) as Array<{ variant_id: string; n: number }>
        ).map((r) => [r.variant_id, r.n]),
      );
      return contenders.map((v) => ({ id: v.id, label: v.label || v.id, trials: sends.get(v.id) ?? 0, successes: converted.get(v.id) ?? 0 }));
    }
    const owned = this.ownedNodes(versionId, split.id);
    const counters = new Map<string, number>();
    for (const row of this.sqlite.prepare(`SELECT node_id, metric, value FROM node_counters WHERE flow_id = ? AND metric IN ('sent', 'delivered')`).all(flowId) as Array<{
      node_id: string;
      metric: string;
      value: number;
    }>) {
      counters.set(`${row.node_id} ${row.metric}`, row.value);
    }
    const sum = (nodes: Set<string>, metricName: string): number => [...nodes].reduce((total, id) => total + (counters.get(`${id} ${metricName}`) ?? 0), 0);
    if (metric === 'delivery') {
      return contenders.map((v) => {
        const nodes = owned.get(v.id) ?? new Set<string>();
        const sent = sum(nodes, 'sent');
        return { id: v.id, label: v.label || v.id, trials: sent, successes: Math.min(sent, sum(nodes, 'delivered')) };
      });
    }
    // Clicks: contacts of the variant who tapped a link in one of its messages (link previews are not people).
    const clickers = new Map<string, Set<number>>();
    const variantOf = new Map<string, string>();
    for (const [variant, nodes] of owned) for (const id of nodes) variantOf.set(id, variant);
    for (const row of this.sqlite.prepare('SELECT DISTINCT node_id, contact_id FROM clicks WHERE flow_id = ? AND is_bot = 0').all(flowId) as Array<{ node_id: string | null; contact_id: number }>) {
      const variant = row.node_id === null ? undefined : variantOf.get(row.node_id);
      if (!variant) continue;
      const set = clickers.get(variant) ?? new Set<number>();
      set.add(row.contact_id);
      clickers.set(variant, set);
    }
    return contenders.map((v) => {
      const trials = sends.get(v.id) ?? 0;
      return { id: v.id, label: v.label || v.id, trials, successes: Math.min(trials, clickers.get(v.id)?.size ?? 0) };
    });
  }

  private ownedNodes(versionId: string, splitNodeId: string): Map<string, Set<string>> {
    const json = this.sqlite.prepare('SELECT document_json FROM flow_versions WHERE id = ?').pluck().get(versionId) as string;
    return variantNodes(FlowDocument.parse(JSON.parse(json)).graph, splitNodeId);
  }

  /**
   * In the caller's transaction: the new version, the draft given the same weights (so the editor
   * shows them and a later publish keeps them), and the decision. Null when another runner got there first.
   */
  private switchTo(flowId: string, versionId: string, splitNodeId: string, winnerId: string, note: string, now: number): number | null {
    const taken = this.sqlite.prepare(`SELECT 1 FROM split_auto_winner WHERE flow_id = ? AND split_node_id = ? AND status = 'switched'`).get(flowId, splitNodeId);
    if (taken) return null;
    const latest = this.sqlite.prepare('SELECT id, version, document_json FROM flow_versions WHERE flow_id = ? ORDER BY version DESC LIMIT 1').get(flowId) as
      | { id: string; version: number; document_json: string }
      | undefined;
    // A person published meanwhile: decide again on what is live now, at the next look.
    if (!latest || latest.id !== versionId) return null;
    const document = FlowDocument.parse(JSON.parse(latest.document_json));
    const nextGraph = { ...document.graph, nodes: document.graph.nodes.map((n) => (n.id === splitNodeId && n.kind === 'split' ? { ...n, config: winnerWeights(n.config, winnerId) } : n)) };
    const version = latest.version + 1;
    const newVersionId = `${flowId}-v${version}-auto`;
    const stamp = new Date(now).toISOString();
    this.sqlite
      .prepare('INSERT INTO flow_versions (id, flow_id, version, document_json, published_at, note) VALUES (?, ?, ?, ?, ?, ?)')
      .run(newVersionId, flowId, version, JSON.stringify({ ...document, graph: nextGraph }), stamp, note);
    recordSegmentUse(this.sqlite, newVersionId, nextGraph);
    const draft = this.sqlite.prepare('SELECT draft_graph_json, draft_revision, published_revision FROM flows WHERE id = ?').get(flowId) as
      | { draft_graph_json: string; draft_revision: number; published_revision: number | null }
      | undefined;
    if (draft) {
      const graph = JSON.parse(draft.draft_graph_json) as { nodes: Array<{ id: string; kind: string; config: unknown }> };
      const node = graph.nodes.find((n) => n.id === splitNodeId && n.kind === 'split');
      const config = node?.config as SplitNode['config'] | undefined;
      if (node && config?.variants.some((v) => v.id === winnerId)) {
        node.config = winnerWeights(config, winnerId);
        const revision = draft.draft_revision + 1;
        const isInSync = draft.published_revision === draft.draft_revision;
        this.sqlite
          .prepare('UPDATE flows SET draft_graph_json = ?, draft_revision = ?, published_revision = ?, updated_at = ? WHERE id = ?')
          .run(JSON.stringify(graph), revision, isInSync ? revision : draft.published_revision, stamp, flowId);
      }
    }
    this.sqlite
      .prepare(
        `INSERT INTO split_auto_winner (flow_id, split_node_id, status, winner_variant_id, note, version, decided_at) VALUES (?, ?, 'switched', ?, ?, ?, ?)
         ON CONFLICT (flow_id, split_node_id) DO UPDATE SET status = 'switched', winner_variant_id = excluded.winner_variant_id, note = excluded.note,
           version = excluded.version, decided_at = excluded.decided_at`,
      )
      .run(flowId, splitNodeId, winnerId, note, version, now);
    return version;
  }
}

function hasAutoWinner(node: SplitNode): boolean {
  return node.config.autoWinner !== undefined && node.config.autoWinner.when !== 'off';
}

/** The winner takes every non-holdout share; holdouts keep theirs, so the weights still add up to 100. */
export function winnerWeights(config: SplitNode['config'], winnerId: string): SplitNode['config'] {
  const held = config.variants.filter((v) => v.isHoldout).reduce((sum, v) => sum + v.weight, 0);
  return { ...config, variants: config.variants.map((v) => (v.isHoldout ? v : { ...v, weight: v.id === winnerId ? 100 - held : 0 })) };
}
