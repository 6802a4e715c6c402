import type Database from 'better-sqlite3';
import type { PriceTable } from '../../shared/analytics/money';
import { unitHash } from '../../shared/engine/random';
import type { SimulatedEngagement } from '../../shared/engine/simulation';
import type { SimulationNodeMetrics, SimulationSplit } from '../../shared/engine/types';
import type { FlowSettings } from '../../shared/flow/settings';
import { recordClick } from './links';
import { AnalyticsService } from './service';

/** What one recipient does with a delivered message, each instant null when it does not happen. */
export interface EngagementPlan {
  /** A link-preview fetch by the messaging app, just before the tap. */
  previewAt: number | null;
  clickAt: number | null;
  order: { at: number; value: number } | null;
  replyAt: number | null;
}

/**
 * Every outcome a hash of (seed, message key), like the simulator's other outcomes, so a seed
 * reproduces a run: a tap at the channel's click rate, a purchase by `conversionRate` of those who
 * tapped (when the flow has a goal), a text back at `replyRate`.
 */
export function planEngagement(seed: number, key: string, channel: 'sms' | 'mms', deliveredAt: number, engagement: SimulatedEngagement, hasGoal: boolean): EngagementPlan {
  const chance = (what: string): number => unitHash(seed, what, key);
  const plan: EngagementPlan = { previewAt: null, clickAt: null, order: null, replyAt: null };
  if (chance('click') < engagement.clickRate[channel]) {
    plan.clickAt = deliveredAt + 30_000 + Math.floor(chance('click-delay') * 2 * 3_600_000);
    // A third of people who tap a link have it previewed by their messaging app first.
    if (chance('preview') < 0.33) plan.previewAt = deliveredAt + 1_000;
    if (hasGoal && chance('convert') < engagement.conversionRate) {
      plan.order = {
        at: plan.clickAt + 60_000 + Math.floor(chance('convert-delay') * 24 * 3_600_000),
        value: Math.round(engagement.orderValue * (0.5 + chance('value')) * 100) / 100,
      };
    }
  }
  if (chance('reply') < engagement.replyRate) plan.replyAt = deliveredAt + 60_000 + Math.floor(chance('reply-delay') * 6 * 3_600_000);
  return plan;
}

export const SIMULATED_USER_AGENT = 'Mozilla/5.0 (simulated phone)';
export const PREVIEW_USER_AGENT = 'facebookexternalhit/1.1 Facebot Twitterbot/1.0';

/**
 * Engagement for a dry-run, after the run: every delivered message may be clicked, answered and
 * bought from (planEngagement). The clicks go through the same recordClick as a real one; replies
 * and purchases are stored as the events the engine and the derivation already read
 * (message_received, the goal event).
 */
export function simulateEngagement(sqlite: Database.Database, settings: FlowSettings, engagement: SimulatedEngagement, seed: number, until: number): void {
  const goal = settings.goalEvent.trim();
  const rows = sqlite
    .prepare(
      `SELECT id, idempotency_key, contact_id, flow_id, node_id, channel, finished_at FROM messages
       WHERE status = 'delivered' AND purpose = 'marketing' AND finished_at IS NOT NULL ORDER BY id`,
    )
    .all() as Array<{ id: number; idempotency_key: string; contact_id: number; flow_id: string | null; node_id: string | null; channel: 'sms' | 'mms'; finished_at: number }>;
  const insertEvent = sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at, processed_at) VALUES (?, ?, ?, ?, ?)');
  sqlite.transaction(() => {
    for (const m of rows) {
      const plan = planEngagement(seed, m.idempotency_key, m.channel, m.finished_at, engagement, goal !== '');
      const click = { code: null, messageId: m.id, contactId: m.contact_id, flowId: m.flow_id, nodeId: m.node_id };
      if (plan.clickAt !== null && plan.clickAt <= until) {
        if (plan.previewAt !== null) recordClick(sqlite, { ...click, userAgent: PREVIEW_USER_AGENT, at: plan.previewAt });
        recordClick(sqlite, { ...click, userAgent: SIMULATED_USER_AGENT, at: plan.clickAt });
        if (plan.order && plan.order.at <= until) insertEvent.run(m.contact_id, goal, JSON.stringify({ [settings.revenueProperty]: plan.order.value }), plan.order.at, plan.order.at);
      }
      if (plan.replyAt !== null && plan.replyAt <= until) insertEvent.run(m.contact_id, 'message_received', JSON.stringify({ body: 'Thanks!' }), plan.replyAt, plan.replyAt);
    }
  })();
}

/** Per node and per split arm: clicks, conversions, revenue and cost, with each arm's probability to beat control. */
export function forecastMeasurement(
  sqlite: Database.Database,
  flowId: string,
  range: { from: string; to: string },
  prices: PriceTable,
): { nodeMetrics: Record<string, SimulationNodeMetrics>; splits: SimulationSplit[] } {
  const service = new AnalyticsService(sqlite);
  service.saveSettings({ ...service.settings(), prices });
  const view = service.flow(flowId, range);
  const metricsOf = (t: { clicks: number; conversions: number; revenueByCurrency: Record<string, number>; cost: number }): SimulationNodeMetrics => ({
    clicks: t.clicks,
    conversions: t.conversions,
    revenue: Object.values(t.revenueByCurrency).reduce((sum, v) => sum + v, 0),
    cost: t.cost,
  });
  const nodeMetrics = Object.fromEntries(Object.entries(view.byNode).map(([id, t]) => [id, metricsOf(t)]));
  const splits: SimulationSplit[] = view.splits.map((split) => {
    const stats = service.split({ flowId, splitNodeId: split.nodeId, range, minimumDetectableEffect: 0.2 });
    return {
      nodeId: split.nodeId,
      controlId: stats.controlId,
      verdict: stats.verdict,
      variants: stats.arms.map((arm) => ({
        id: arm.id,
        label: arm.label,
        isHoldout: arm.isHoldout,
        contacts: arm.contacts,
        armConversions: arm.conversions,
        probabilityToBeatControl: arm.probabilityToBeatControl,
        ...metricsOf(arm.metrics),
      })),
    };
  });
  return { nodeMetrics, splits };
}
