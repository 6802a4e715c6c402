import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATED_REPLY } from '../../src/main/analytics/offlineEngagement';
import { AnalyticsService } from '../../src/main/analytics/service';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { DAY_MS } from '../../src/shared/analytics/attribution';
import { seededRandom } from '../../src/shared/engine/random';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, flowDocument, insertOptedInContacts, T0 } from './engineHarness';

const range = { from: new Date(T0 - DAY_MS).toISOString(), to: new Date(T0 + 10 * DAY_MS).toISOString() };

let sqlite: Database.Database | undefined;
afterEach(() => sqlite?.close());

/** A live flow (manual trigger → one SMS → exit, goal order_placed) sent to 300 contacts through the simulator in offline mode. */
async function liveRun(options: { body: string; isEnabled?: boolean; playsOfflineEngagement?: boolean }): Promise<{ db: Database.Database; service: AnalyticsService }> {
  const db = openSandbox();
  sqlite = db;
  installFlow(
    db,
    'flow1',
    flowDocument(graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: options.body }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]), {
      goalEvent: 'order_placed',
      attributionDays: 7,
      quietHours: { isEnabled: false, start: '21:00', end: '08:00' },
      clickTracking: { isEnabled: true, utmSource: 'postcard', utmMedium: '', utmCampaign: 'spring' },
    }),
    T0,
  );
  const service = new AnalyticsService(db);
  // Rates well above the modest defaults, so 300 recipients surely tap, buy and reply.
  service.saveSettings({
    ...service.settings(),
    simulatedEngagement: { isEnabled: options.isEnabled ?? true, clickRate: { sms: 0.5, mms: 0.5 }, conversionRate: 0.5, replyRate: 0.2, orderValue: 40 },
  });
  const ids = insertOptedInContacts(db, 300);
  const clock = new VirtualClock(T0);
  const runtime = new EngineRuntime({
    sqlite: db,
    clock,
    random: seededRandom(1),
    provider: new SimulatorProvider(db, calmSimulator()),
    installId: 't',
    playsOfflineEngagement: options.playsOfflineEngagement ?? true,
  });
  runtime.enrollContacts('flow1', ids);
  await runtime.runUntil(clock, T0 + 3 * DAY_MS);
  return { db, service };
}

describe('offline mode: the simulator’s recipients engage', () => {
  it('a live flow sent through the simulator ends with clicks, replies, conversions and revenue in its analytics, all marked simulated', async () => {
    const { db, service } = await liveRun({ body: 'Spring sale: https://shop.example/sale' });
    const view = service.flow('flow1', range);
    expect(view.totals.delivered).toBe(300);
    expect(view.totals.uniqueClicks).toBeGreaterThan(100);
    expect(view.totals.uniqueClicks).toBeLessThan(200);
    expect(view.totals.clicks).toBe(view.totals.uniqueClicks);
    expect(view.totals.previewFetches).toBeGreaterThan(0);
    expect(view.totals.conversions).toBeGreaterThan(30);
    expect(view.totals.conversions).toBeLessThanOrEqual(view.totals.uniqueClicks);
    expect(view.totals.revenue).toBeGreaterThan(view.totals.conversions * 20 - 0.01);
    expect(view.totals.replies).toBeGreaterThan(20);
    expect(view.byNode.s?.uniqueClicks).toBe(view.totals.uniqueClicks);
    // The taps came through the tracked links (each carries its code) and say they were simulated.
    const clicks = db.prepare('SELECT code, user_agent FROM clicks WHERE is_bot = 0').all() as Array<{ code: string | null; user_agent: string }>;
    expect(clicks.every((c) => c.code !== null && /simulated/.test(c.user_agent))).toBe(true);
    const orders = db.prepare(`SELECT properties_json FROM events WHERE name = 'order_placed'`).pluck().all() as string[];
    expect(orders.every((json) => (JSON.parse(json) as { simulated?: boolean }).simulated === true)).toBe(true);
    expect(db.prepare(`SELECT DISTINCT body FROM replies`).pluck().all()).toEqual([SIMULATED_REPLY]);
  });

  it('taps nothing without a tracked link, and does nothing when turned off in the settings or outside the live runtime', async () => {
    const noLink = await liveRun({ body: 'Spring sale today' });
    const view = noLink.service.flow('flow1', range);
    expect(view.totals.clicks).toBe(0);
    expect(view.totals.replies).toBeGreaterThan(20);
    noLink.db.close();

    const off = await liveRun({ body: 'Spring sale: https://shop.example/sale', isEnabled: false });
    const offView = off.service.flow('flow1', range);
    expect(offView.totals.delivered).toBe(300);
    expect([offView.totals.clicks, offView.totals.conversions, offView.totals.replies]).toEqual([0, 0, 0]);
    off.db.close();

    const dryRunStyle = await liveRun({ body: 'Spring sale: https://shop.example/sale', playsOfflineEngagement: false });
    const dryView = dryRunStyle.service.flow('flow1', range);
    expect([dryView.totals.clicks, dryView.totals.conversions, dryView.totals.replies]).toEqual([0, 0, 0]);
  });
});
