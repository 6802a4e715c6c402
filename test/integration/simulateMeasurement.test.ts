import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../src/shared/engine/types';
import { flowDocument } from './engineHarness';
import { edge, graph, node } from '../support/graphs';

const bin = resolve(import.meta.dirname, '../../bin/postcard.mjs');
const dir = mkdtempSync(join(tmpdir(), 'postcard-simulate-measure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** MMS against SMS against a holdout, each message with a link; goal order_placed. */
export function splitDocument() {
  return flowDocument(
    graph(
      [
        node('t', 'trigger', { type: 'manual' }),
        node('ab', 'split', {
          variants: [
            { id: 'vmms', label: 'MMS', weight: 45, isHoldout: false },
            { id: 'vsms', label: 'SMS', weight: 45, isHoldout: false },
            { id: 'vhold', label: 'Holdout', weight: 10, isHoldout: true },
          ],
        }),
        node('m', 'mms', { body: 'New arrivals: https://shop.example/new', subject: 'New', mediaAssetId: null, fallbackAfterHours: 0 }),
        node('s', 'sms', { body: 'New arrivals: https://shop.example/new' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'ab'), edge('ab', 'vmms', 'm'), edge('ab', 'vsms', 's'), edge('m', 'sent', 'x'), edge('s', 'next', 'x')],
    ),
    { goalEvent: 'order_placed', attributionDays: 7 },
  );
}

function simulate(seed: number): SimulationResult {
  const file = join(dir, 'split.json');
  writeFileSync(file, JSON.stringify(splitDocument()));
  const run = spawnSync(process.execPath, [bin, 'simulate', file, '--contacts', '3000', '--days', '4', '--seed', String(seed), '--start', '2026-01-05T15:00:00Z', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, POSTCARD_DATA_DIR: join(dir, 'data') },
    timeout: 120_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as SimulationResult;
}

describe('postcard simulate --json: clicks, conversions, revenue and cost', () => {
  it('reports them per node and per split arm, with each arm’s probability to beat the control, the same for the same seed', () => {
    const result = simulate(5);
    const mms = result.nodeMetrics.m;
    const sms = result.nodeMetrics.s;
    expect(mms?.clicks).toBeGreaterThan(0);
    expect(mms?.conversions).toBeGreaterThan(0);
    expect(mms?.revenue).toBeGreaterThan(0);
    // Cost is what the messages cost at the simulation's prices.
    expect(sms?.cost).toBeCloseTo(result.totals.smsSegments * result.cost.smsSegmentPrice, 3);
    expect(mms!.clicks / result.totals.messagesByChannel.mms).toBeGreaterThan(sms!.clicks / result.totals.messagesByChannel.sms);

    const split = result.splits.find((s) => s.nodeId === 'ab');
    expect(split?.controlId).toBe('vhold');
    const arms = new Map(split?.variants.map((v) => [v.id, v]));
    expect([...arms.values()].reduce((sum, v) => sum + v.contacts, 0)).toBe(result.totals.enrolled);
    expect(arms.get('vhold')?.probabilityToBeatControl).toBeNull();
    expect(arms.get('vmms')?.probabilityToBeatControl).toBeGreaterThan(0.9);
    expect(arms.get('vmms')?.clicks).toBe(mms?.clicks);
    expect(arms.get('vsms')?.cost).toBe(sms?.cost);
    expect(split?.verdict).toMatch(/^MMS converts [\d.]+× Holdout/);

    expect(simulate(5).splits).toEqual(result.splits);
  });
});
