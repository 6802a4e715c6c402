import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import type { SendingAccounts } from '../../src/main/engine/sending/accounts';
import type { ProviderSecrets } from '../../src/main/providers/account';
import { createProviderAdapter } from '../../src/main/providers/index';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { seededRandom } from '../../src/shared/engine/random';
import { FakeProviders, fakeCredentials, type FakeProviderKind } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, flowDocument, HOUR } from './engineHarness';

/**
 * An MMS the provider refuses as MMS (the destination cannot take it, or the media is too large)
 * takes the flow's SMS fallback edge, whichever provider refused it: each provider's own codes,
 * answered by a loopback server speaking its API, through the engine's drain.
 */

let fake: FakeProviders;
beforeAll(async () => {
  fake = await FakeProviders.start();
});
afterAll(async () => {
  await fake.close();
});
const opened: Database.Database[] = [];
afterEach(() => {
  for (const sqlite of opened.splice(0)) sqlite.close();
  fake.reset();
});

const secretsOf: Record<FakeProviderKind, ProviderSecrets> = {
  twilio: { provider: 'twilio', ...fakeCredentials.twilio },
  vonage: { provider: 'vonage', ...fakeCredentials.vonage },
  telnyx: { provider: 'telnyx', ...fakeCredentials.telnyx },
};

function setup(provider: FakeProviderKind) {
  const sqlite = openSandbox();
  opened.push(sqlite);
  const start = Date.now();
  const clock = new VirtualClock(start);
  const accountId = `acc_${provider}fallback`;
  installFlow(
    sqlite,
    'picture',
    flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
          node('m', 'mms', { body: 'A picture for you', subject: '', mediaAssetId: 'asset-1', fallbackAfterHours: 0 }),
          node('f', 'sms', { body: 'The picture is in your inbox' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'f'), edge('f', 'next', 'x')],
      ),
      { quietHours: { isEnabled: false, start: '21:00', end: '08:00' }, frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 }, sendingAccountId: accountId },
    ),
    start - HOUR,
  );
  const accounts: SendingAccounts = {
    replySources: () => [],
    resolve: (id) => {
      if (id !== accountId) return { unavailable: 'no such account' };
      const adapter = createProviderAdapter(
        { id, provider, from: '+15550001111', channels: ['sms', 'mms'], mps: 100, dailyCap: null, baseUrl: fake.url, timeoutMs: 2_000 },
        secretsOf[provider],
      );
      return { adapter, limits: { mps: 100, dailyCap: null } };
    },
    mediaUrls: () => ['https://media.example.com/picture.jpg'],
  };
  const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(7), provider: new SimulatorProvider(sqlite, calmSimulator()), installId: 'mms', accounts });
  const contactId = Number(
    sqlite
      .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at) VALUES ('+12125554000', 'America/New_York', '{}', 'unknown', ?, ?)`)
      .run(start, start).lastInsertRowid,
  );
  sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`).run(contactId, start - HOUR, start - HOUR);
  sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'signed_up', '{}', ?)`).run(contactId, start);
  return { sqlite, clock, runtime, contactId, start };
}

const refusals: Array<{ provider: FakeProviderKind; code: string; status: number; words: string }> = [
  { provider: 'twilio', code: '30019', status: 400, words: 'Content size exceeds carrier limit' },
  { provider: 'telnyx', code: '40308', status: 400, words: "Invalid 'from' address for MMS" },
  { provider: 'telnyx', code: '40317', status: 400, words: 'Invalid MMS content' },
];

describe('an MMS refused as MMS takes the SMS fallback edge', () => {
  it.each(refusals)('$provider $code', async ({ provider, code, status, words }) => {
    const { sqlite, clock, runtime, contactId, start } = setup(provider);
    fake.answerNext(provider, { kind: 'error', code, status, message: words });
    await runtime.runUntil(clock, start + 10_000);
    expect(fake.violations).toEqual([]);
    const messages = sqlite.prepare(`SELECT node_id, channel, status, error_class FROM messages ORDER BY id`).all();
    expect(messages).toEqual([
      { node_id: 'm', channel: 'mms', status: 'failed', error_class: 'mms_unsupported' },
      { node_id: 'f', channel: 'sms', status: 'sent', error_class: null },
    ]);
    // The fallback SMS reached the provider, once; the contact is known not to take MMS.
    expect(fake.messages.map((m) => m.body)).toEqual(['The picture is in your inbox']);
    expect(sqlite.prepare('SELECT mms_capable FROM contacts WHERE id = ?').pluck().get(contactId)).toBe('no');
    expect(sqlite.prepare(`SELECT value FROM node_counters WHERE node_id = 'm' AND metric = 'fellBack'`).pluck().get()).toBe(1);
  });
});
