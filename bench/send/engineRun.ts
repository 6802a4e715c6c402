// The engine half of `npm run bench:send` (see scripts/bench-send.mjs): the whole sending path a
// live flow takes, not the adapter alone. N contacts enrolled in a one-step SMS flow whose
// sending account points at the loopback fake; the real scheduler ticks the runtime in real time
// over a SQLite file (claim, rate limit, HTTP send, record), and the run ends when every message
// has the provider's answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings, type FlowDocument } from '../../src/shared';
import { seededRandom } from '../../src/shared/engine/random';
import { realSleep, systemClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { Scheduler } from '../../src/main/engine/scheduler';
import type { SendingAccounts } from '../../src/main/engine/sending/accounts';
import type { ProviderAccountConfig, ProviderSecrets } from '../../src/main/providers/account';
import { createProviderAdapter } from '../../src/main/providers/index';
import { SimulatorProvider } from '../../src/main/providers/simulator';

const ACCOUNT_ID = 'acc_benchsend0001';

function flow(): FlowDocument {
  const n = (id: string, kind: string, config: unknown) => ({ id, kind, position: { x: 0, y: 0 }, config });
  return {
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'Send bench',
    description: '',
    settings: {
      ...defaultFlowSettings(),
      sendingAccountId: ACCOUNT_ID,
      quietHours: { isEnabled: false, start: '21:00', end: '08:00' },
      frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 },
    },
    graph: {
      nodes: [n('t', 'trigger', { type: 'manual' }), n('s', 'sms', { body: 'Postcard bench: new arrivals this week' }), n('x', 'exit', { reason: '' })],
      edges: [
        { id: 'e1', source: 't', sourcePort: 'next', target: 's' },
        { id: 'e2', source: 's', sourcePort: 'next', target: 'x' },
      ],
    },
  } as unknown as FlowDocument;
}

export interface EngineSendResult {
  configuredMps: number;
  messages: number;
  accepted: number;
  failed: number;
  seconds: number;
  achievedMps: number;
  ratio: number;
  ticks: number;
  peakRssMb: number;
  cpuSeconds: number;
}

export async function runEngineSendBench(options: { account: ProviderAccountConfig; secrets: ProviderSecrets; messages: number }): Promise<EngineSendResult> {
  const dir = mkdtempSync(join(tmpdir(), 'postcard-bench-send-'));
  const sqlite = openSandbox({ file: join(dir, 'postcard.db') });
  try {
    const now = Date.now();
    installFlow(sqlite, 'send', flow(), now - 60_000);
    const insertContact = sqlite.prepare(
      `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', 'contact', '{}', 'unknown', ?, ?)`,
    );
    const optIn = sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'bench', ?, ?)`);
    const ids: number[] = [];
    sqlite.transaction(() => {
      for (let i = 0; i < options.messages; i++) {
        const id = Number(insertContact.run(`+1555${String(1_000_000 + i).padStart(7, '0')}`, now, now).lastInsertRowid);
        optIn.run(id, now - 60_000, now - 60_000);
        ids.push(id);
      }
    })();

    const adapter = createProviderAdapter(options.account, options.secrets);
    const accounts: SendingAccounts = {
      resolve: (accountId) =>
        accountId === ACCOUNT_ID ? { adapter, limits: { mps: options.account.mps, dailyCap: null } } : { unavailable: 'not the bench account' },
      mediaUrls: () => null,
    };
    const errors: unknown[] = [];
    const runtime = new EngineRuntime({
      sqlite,
      clock: systemClock,
      random: seededRandom(1),
      provider: new SimulatorProvider(sqlite),
      installId: 'bench',
      accounts,
      journal: false,
      onError: (error) => errors.push(error),
    });
    for (let i = 0; i < ids.length; i += 5_000) runtime.enrollContacts('send', ids.slice(i, i + 5_000));

    let ticks = 0;
    const scheduler = new Scheduler({ runtime, clock: systemClock, sleep: realSleep, onTick: () => ticks++ });
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    // Nothing is due within a second once every message has its answer (status look-ups start 30 s after a send).
    await scheduler.runUntilIdle(1_000);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    if (errors.length > 0) throw errors[0];
    const count = (status: string): number => Number(sqlite.prepare('SELECT count(*) FROM messages WHERE status = ?').pluck().get(status));
    const accepted = count('sent') + count('delivered');
    const achievedMps = Math.round(accepted / seconds);
    return {
      configuredMps: options.account.mps,
      messages: options.messages,
      accepted,
      failed: count('failed'),
      seconds: round(seconds),
      achievedMps,
      ratio: round(achievedMps / options.account.mps),
      ticks,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    };
  } finally {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;
