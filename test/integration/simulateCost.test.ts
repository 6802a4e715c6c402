import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard } from '../../src/main/app';
import { environmentSecretStore } from '../../src/main/secrets';
import type { AnalyticsSettings } from '../../src/shared/api/analytics';
import type { SimulationResult } from '../../src/shared/engine/types';
import { ok } from '../support/dispatch';
import { edge, graph, node } from '../support/graphs';
import { flowDocument } from './engineHarness';

const bin = resolve(import.meta.dirname, '../../bin/postcard.mjs');
const dir = mkdtempSync(join(tmpdir(), 'postcard-simulate-cost-'));
const dataDir = join(dir, 'data');
const file = join(dir, 'flow.json');

// The workspace's own price table: synthetic contacts have US numbers, which it prices apart.
const prices = { currency: 'EUR', default: { smsSegment: 0.01, mms: 0.02 }, byCountry: { US: { smsSegment: 0.05, mms: 0.1 } } };

beforeAll(async () => {
  // An MMS, then an SMS, each with a link; goal order_placed.
  const document = flowDocument(
    graph(
      [
        node('t', 'trigger', { type: 'manual' }),
        node('m', 'mms', { body: 'New arrivals: https://shop.example/new', subject: 'New', mediaAssetId: null, fallbackAfterHours: 0 }),
        node('s', 'sms', { body: 'Last day: https://shop.example/new' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'm'), edge('m', 'sent', 's'), edge('m', 'fallback', 's'), edge('s', 'next', 'x')],
    ),
    { goalEvent: 'order_placed', attributionDays: 7, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 } },
  );
  writeFileSync(file, JSON.stringify(document));
  const postcard = await openPostcard({ dataDir, seedSamples: false, secretStore: environmentSecretStore({}) });
  try {
    const current = await ok<AnalyticsSettings>(postcard, 'analytics.settings', {});
    await ok(postcard, 'analytics.saveSettings', { ...current, prices });
  } finally {
    postcard.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function simulate(...flags: string[]): { status: number | null; stderr: string; result: SimulationResult | null } {
  const run = spawnSync(process.execPath, [bin, 'simulate', file, '--contacts', '400', '--days', '2', '--seed', '3', '--json', ...flags], {
    encoding: 'utf8',
    env: { ...process.env, POSTCARD_DATA_DIR: dataDir },
    timeout: 120_000,
  });
  return { status: run.status, stderr: run.stderr, result: run.status === 0 ? (JSON.parse(run.stdout.trim().split('\n').pop() as string) as SimulationResult) : null };
}

describe('postcard simulate --json: cost at the workspace price table, engagement at the rates given', { timeout: 240_000 }, () => {
  it('costs the run at the price table of the data directory, per destination country, in its currency', () => {
    const { stderr, result } = simulate();
    expect(stderr).toBe('');
    const r = result as SimulationResult;
    expect(r.totals.smsSegments).toBeGreaterThan(0);
    expect(r.totals.messagesByChannel.mms).toBeGreaterThan(0);
    expect(r.cost).toMatchObject({ currency: 'EUR', smsSegmentPrice: 0.01, mmsPrice: 0.02, byCountry: prices.byCountry });
    expect(r.cost.sms).toBeCloseTo(r.totals.smsSegments * 0.05, 4);
    expect(r.cost.mms).toBeCloseTo(r.totals.messagesByChannel.mms * 0.1, 4);
    expect(r.cost.total).toBeCloseTo(r.cost.sms + r.cost.mms, 4);
    // Per node, the same table: the SMS step's messages at the US price.
    expect(r.nodeMetrics.s?.cost).toBeCloseTo((r.nodeCounts.s?.sent ?? 0) * 0.05, 4);
  });

  it('--sms-price and --mms-price set the default row; countries the table names keep their prices', () => {
    const { result } = simulate('--sms-price', '0.5', '--mms-price', '0.75');
    const r = result as SimulationResult;
    expect(r.cost).toMatchObject({ smsSegmentPrice: 0.5, mmsPrice: 0.75 });
    expect(r.cost.sms).toBeCloseTo(r.totals.smsSegments * 0.05, 4);
  });

  it('takes the click, conversion and reply rates and the order value as flags, as shares or percentages', () => {
    const base = simulate().result as SimulationResult;
    expect(base.nodeMetrics.s?.clicks).toBeGreaterThan(0);
    const r = simulate('--sms-click-rate', '0', '--mms-click-rate', '100%', '--conversion-rate', '1', '--reply-rate', '0%', '--order-value', '200').result as SimulationResult;
    expect(r.nodeMetrics.s?.clicks).toBe(0);
    // Every delivered MMS is tapped and every tap buys, for about 200 EUR.
    const mmsDelivered = r.nodeCounts.m?.delivered ?? 0;
    expect(mmsDelivered).toBeGreaterThan(0);
    expect(r.nodeMetrics.m?.clicks).toBe(mmsDelivered);
    // (Last touch: a purchase after the follow-up SMS is that SMS's conversion.)
    const conversions = (r.nodeMetrics.m?.conversions ?? 0) + (r.nodeMetrics.s?.conversions ?? 0);
    const revenue = (r.nodeMetrics.m?.revenue ?? 0) + (r.nodeMetrics.s?.revenue ?? 0);
    expect(conversions).toBeGreaterThan(mmsDelivered * 0.8);
    expect(revenue / conversions).toBeGreaterThan(100);
    expect(revenue / conversions).toBeLessThan(300);
    expect(base.nodeMetrics.m!.revenue / base.nodeMetrics.m!.conversions).toBeLessThan(100);
  });

  it('refuses a rate outside 0–1 by naming the flag', () => {
    const run = simulate('--sms-click-rate', '2');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("option '--sms-click-rate <rate>' argument '2' is invalid. expected a share from 0 to 1, or a percentage from 0% to 100%");
  });
});
