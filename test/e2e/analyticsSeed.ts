import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings } from '../../src/shared';
import { CounterBuffer, finishMessage, prepareStatements } from '../../src/main/engine/store';
import type { RunningApp } from './harness';

/** A flow with an A/B split and a week of its sends, shared by the analytics E2E tests. */

const DAY = 86_400_000;

/** Trigger → split (MMS 45 / SMS 45 / holdout 10) → MMS or SMS with a link → exit; goal order_placed. */
export const splitDocument = {
  format: FLOW_DOCUMENT_FORMAT,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  name: 'Spring launch: MMS vs SMS',
  description: '',
  settings: { ...defaultFlowSettings(), goalEvent: 'order_placed', attributionDays: 7 },
  graph: {
    nodes: [
      { id: 't', kind: 'trigger', position: { x: 0, y: 0 }, config: { type: 'manual' } },
      {
        id: 'ab',
        kind: 'split',
        position: { x: 0, y: 150 },
        label: 'Picture or text',
        config: {
          variants: [
            { id: 'vmms', label: 'MMS', weight: 45, isHoldout: false },
            { id: 'vsms', label: 'SMS', weight: 45, isHoldout: false },
            { id: 'vhold', label: 'Holdout', weight: 10, isHoldout: true },
          ],
        },
      },
      { id: 'm', kind: 'mms', position: { x: -200, y: 300 }, config: { subject: 'New', body: 'New arrivals https://shop.example/new', mediaAssetId: null, fallbackAfterHours: 0 } },
      { id: 's', kind: 'sms', position: { x: 200, y: 300 }, config: { body: 'New arrivals https://shop.example/new' } },
      { id: 'x', kind: 'exit', position: { x: 0, y: 450 }, config: { reason: '' } },
    ],
    edges: [
      { id: 'e1', source: 't', sourcePort: 'next', target: 'ab' },
      { id: 'e2', source: 'ab', sourcePort: 'vmms', target: 'm' },
      { id: 'e3', source: 'ab', sourcePort: 'vsms', target: 's' },
      { id: 'e4', source: 'm', sourcePort: 'sent', target: 'x' },
      { id: 'e5', source: 's', sourcePort: 'next', target: 'x' },
    ],
  },
};

/**
 * What a week of sending leaves in the store: contacts, the arm each split assignment chose, the
 * messages, and purchases (goal events). Written as the engine and the event intake write them;
 * everything the view shows is derived from these rows.
 */
/** `areaCode` keeps the phones of a second seeded flow apart from the first's. */
export function seedSends(app: RunningApp, flowId: string, areaCode = '415'): void {
  const sqlite = app.postcard.sqlite;
  const start = Date.now() - 3 * DAY;
  const insertContact = sqlite.prepare(`INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?)`);
  const assign = sqlite.prepare(
    `INSERT INTO split_assignments (enrollment_id, split_node_id, flow_id, variant_id, is_holdout, contact_id, assigned_at) VALUES (?, 'ab', ?, ?, ?, ?, ?)`,
  );
  // Messages through the engine's own statements: sent, then delivered by a receipt.
  const statements = prepareStatements(sqlite);
  const counters = new CounterBuffer();
  const message = (key: string, node: string, contact: number, channel: 'sms' | 'mms', at: number): void => {
    const id = Number(
      statements.insertSentMessage.run(key, null, flowId, null, node, contact, channel, 'New arrivals https://pcrd.link/l/abcdefghij', null, null, 1, 'simulator', `pm-${key}`, at, at, at)
        .lastInsertRowid,
    );
    finishMessage(statements, id, 'delivered', null, null, null, at + 30_000);
  };
  const order = sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at, processed_at) VALUES (?, 'order_placed', '{"value": 40}', ?, ?)`);
  sqlite.transaction(() => {
    for (let i = 0; i < 2000; i++) {
      const contact = Number(insertContact.run(`+1${areaCode}555${String(i).padStart(4, '0')}`, start, start).lastInsertRowid);
      const arm = i % 20 < 9 ? 'vmms' : i % 20 < 18 ? 'vsms' : 'vhold';
      const at = start + i * 60_000;
      assign.run(Number(areaCode) * 100_000 + i + 1, flowId, arm, arm === 'vhold' ? 1 : 0, contact, at);
      if (arm !== 'vhold') message(`seed-${areaCode}-${i}`, arm === 'vmms' ? 'm' : 's', contact, arm === 'vmms' ? 'mms' : 'sms', at);
      // Buyers: MMS 100 of 900, SMS 50 of 900, holdout 20 of 200.
      const buys = arm === 'vmms' ? i % 10 === 0 : arm === 'vsms' ? i % 40 === 10 : i % 100 === 18;
      if (buys) order.run(contact, at + 3_600_000, at + 3_600_000);
    }
    counters.flush(statements);
  })();
}

/** `count` delivered SMS of the flow's SMS step, to new contacts, `daysAgo` days back: sends older than the default range. */
export function seedOlderSends(app: RunningApp, flowId: string, count: number, daysAgo: number, areaCode = '212'): void {
  const sqlite = app.postcard.sqlite;
  const at = Date.now() - daysAgo * DAY;
  const insertContact = sqlite.prepare(`INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?)`);
  const statements = prepareStatements(sqlite);
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const contact = Number(insertContact.run(`+1${areaCode}555${String(i).padStart(4, '0')}`, at, at).lastInsertRowid);
      const key = `older-${areaCode}-${i}`;
      const id = Number(statements.insertSentMessage.run(key, null, flowId, null, 's', contact, 'sms', 'Last call', null, null, 1, 'simulator', `pm-${key}`, at + i * 1000, at + i * 1000, at + i * 1000).lastInsertRowid);
      finishMessage(statements, id, 'delivered', null, null, null, at + i * 1000 + 30_000);
    }
    new CounterBuffer().flush(statements);
  })();
}
