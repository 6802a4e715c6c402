import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { environmentSecretStore } from '../../src/main/secrets';
import type { FlowDetail } from '../../src/shared';
import type { SendingAccount, WalkFlowResult } from '../../src/shared/api/accounts';
import { ok as okFrom } from '../support/dispatch';
import { FakeProviders, fakeCredentials } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';

/**
 * "Walk the whole flow on my phone" against a loopback Twilio: every message of the draft, now,
 * in order, down the branch the sample contact would take, waits skipped, and nothing of it in
 * the outbox, the enrollments or any flow figure.
 */
let fake: FakeProviders;
let dir: string;
let postcard: Postcard;
beforeAll(async () => {
  fake = await FakeProviders.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-walk-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false, secretStore: environmentSecretStore({}) });
});
afterEach(() => {
  postcard.close();
  fake.reset();
  rmSync(dir, { recursive: true, force: true });
});
const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);
const count = (sql: string): number => Number(postcard.sqlite.prepare(sql).pluck().get());

async function tieredFlow(accountId: string | null): Promise<FlowDetail> {
  const flow = await ok<FlowDetail>('flows.create', { name: 'Tiers' });
  await ok('flows.saveDraft', {
    id: flow.id,
    settings: { ...flow.settings, sendingAccountId: accountId },
    graph: graph(
      [
        node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
        node('hello', 'sms', { body: 'Hi {{ first_name }}, welcome!' }),
        node('w', 'wait', { type: 'duration', amount: 2, unit: 'days' }),
        node('b', 'branch', { conditions: [{ id: 'c1', label: 'Gold', subject: 'attribute', name: 'loyalty_tier', operator: 'equals', value: 'Gold' }] }),
        node('gold', 'sms', { body: 'Gold members: 30% off' }),
        node('rest', 'sms', { body: 'Everyone: 10% off' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'hello'), edge('hello', 'next', 'w'), edge('w', 'next', 'b'), edge('b', 'c1', 'gold'), edge('b', 'else', 'rest'), edge('gold', 'next', 'x'), edge('rest', 'next', 'x')],
    ),
  });
  return flow;
}

describe('walking a flow on my phone', { timeout: 60_000 }, () => {
  it('sends every message in order through the flow’s account, down the sample contact’s branch, skipping the wait, and counts nowhere', async () => {
    const account = await ok<SendingAccount>('accounts.add', { provider: 'twilio', name: 'Main', sender: '+14155550100', baseUrl: fake.url, messagesPerSecond: 10, secrets: fakeCredentials.twilio });
    const flow = await tieredFlow(account.id);

    const gold = await ok<WalkFlowResult>('accounts.walkFlow', { flowId: flow.id, to: '+14155550199', attributes: { first_name: 'Maya', loyalty_tier: 'Gold' } });
    expect(fake.violations).toEqual([]);
    expect(fake.messages.map((m) => [m.to, m.from, m.body])).toEqual([
      ['+14155550199', '+14155550100', 'Hi Maya, welcome!'],
      ['+14155550199', '+14155550100', 'Gold members: 30% off'],
    ]);
    expect(gold.accountId).toBe(account.id);
    expect(gold.ended).toBe('completed');
    expect(gold.steps.map((s) => s.nodeId)).toEqual(['t', 'hello', 'w', 'b', 'gold', 'x']);
    expect(gold.steps.find((s) => s.nodeId === 'w')?.note).toBe('skipped the wait');
    expect(gold.steps.filter((s) => s.message).map((s) => [s.message!.status, s.message!.providerMessageId])).toEqual(fake.messages.map((m) => ['queued', m.id]));

    fake.reset();
    const other = await ok<WalkFlowResult>('accounts.walkFlow', { flowId: flow.id, to: '+14155550199', attributes: { first_name: 'Ben', loyalty_tier: 'Silver' } });
    expect(fake.messages.map((m) => m.body)).toEqual(['Hi Ben, welcome!', 'Everyone: 10% off']);
    expect(other.steps.find((s) => s.nodeId === 'b')?.note).toBe('no condition matched');

    // In no flow's figures: no outbox row, no enrollment, no counter, no analytics day.
    expect(count('SELECT count(*) FROM messages')).toBe(0);
    expect(count('SELECT count(*) FROM enrollments')).toBe(0);
    expect(count('SELECT count(*) FROM node_counters')).toBe(0);
    expect(count('SELECT count(*) FROM analytics_messages_daily')).toBe(0);
  });

  it('a refusal is shown on its message and the walk goes on as the engine would; the simulator walks a flow without an account', async () => {
    const account = await ok<SendingAccount>('accounts.add', { provider: 'twilio', name: 'Main', sender: '+14155550100', baseUrl: fake.url, messagesPerSecond: 10, secrets: fakeCredentials.twilio });
    const flow = await tieredFlow(account.id);
    fake.answerNext('twilio', { kind: 'error', code: '21211', message: "The 'To' number is not a valid phone number." });
    const walked = await ok<WalkFlowResult>('accounts.walkFlow', { flowId: flow.id, to: '+14155550199', attributes: { first_name: 'Maya', loyalty_tier: 'Gold' } });
    expect(walked.steps.find((s) => s.nodeId === 'hello')?.message).toMatchObject({ status: 'failed', code: '21211' });

    const offline = await tieredFlow(null);
    const simulated = await ok<WalkFlowResult>('accounts.walkFlow', { flowId: offline.id, to: '+14155550199', attributes: { first_name: 'Zoe', loyalty_tier: 'Gold' } });
    expect(simulated.accountId).toBeNull();
    expect(simulated.steps.filter((s) => s.message).map((s) => [s.message!.body, s.message!.status])).toEqual([
      ['Hi Zoe, welcome!', 'queued'],
      ['Gold members: 30% off', 'queued'],
    ]);
    expect(count('SELECT count(*) FROM messages')).toBe(0);
  });
});
